"""The desired state: reading `desired/` and `acorn.yaml`, offline and pure but for file reads.

    yamlsource.py        safe YAML that keeps file:line:column of every key
    schema.py            JSON Schema checks with messages that point at the key
    entity_templates.py  `.yaml.j2` templates: one file, many entities
    loader.py            the whole tree: every file checked, every problem collected
    preflight.py         the offline rules that predict a marketplace's rejection
    settings.py          `acorn.yaml`, ACORN_* variables and flags

Imports only the domain; never HTTP, the client or the sandbox.
"""
