# Names vulture cannot see used: read by Jinja templates, or called by click and httpx.
# `vulture reconciler .ci/vulture_allowlist.py` (tests/test_architecture.py runs it).
_.language_name  # render/templates/entity.yaml.j2
_.unless_registered_in  # render/templates/entity.yaml.j2
_.legal_name  # render/templates/entity.yaml.j2
_.legal_name_from  # render/templates/entity.yaml.j2
_.translations  # render/templates/entity.yaml.j2
_.credential_yaml  # render/templates/entity.yaml.j2
_.list_commands  # click.Group hook (cli/main.py)
_.get_command  # click.Group hook (cli/main.py)
serve  # click command registered by decorator (cli/sandbox.py)
seller_add  # click command registered by decorator (cli/sandbox.py)
seller_list  # click command registered by decorator (cli/sandbox.py)
clock_advance  # click command registered by decorator (cli/sandbox.py)
review_decide  # click command registered by decorator (cli/sandbox.py)
_.format_commands  # click.Group hook (cli/helptext.py)
_.auth_flow  # httpx.Auth hook (client/auth.py)
_.async_auth_flow  # httpx.Auth hook (client/auth.py)
_.intercepted_binops  # jinja2 sandbox hook (desired/entity_templates.py)
_.intercepted_unops  # jinja2 sandbox hook (desired/entity_templates.py)
__getattr__  # module hook, PEP 562 (client/__init__.py imports on first use)
load_entity  # the loader's one-document entry point, for callers holding a text (tests, import)
_.hits  # LoadCache: how many files came from the cache (its tests and bench/validate.py)
review_command  # click command registered by decorator (cli/github.py)
_._pool  # httpx.AsyncHTTPTransport's pool, which NetworkTransport replaces (client/transport.py)
_.extract_cookies  # httpx.Cookies hook, called by httpx.AsyncClient (client/transport.py)
