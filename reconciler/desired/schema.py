"""JSON Schema checks with messages a user can act on, pointing at file, line and key.

One validator decides: jsonschema-rs, whose patterns follow ECMA-262 as JSON Schema says
(`$` is the end of the text, `\\d` is 0-9). `jsonschema` only explains a rejection, with the
same pattern semantics; should it find nothing to explain, the decision still stands and is
reported as jsonschema-rs words it. So no value one of them rejects is ever accepted.

The schemas are compiled once per process. Messages never echo a value from the file,
except numbers that must be quoted and short codes, so a mistyped secret is not printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:  # imported where used: only a rejected document needs its words (start-up time)
    import jsonschema

from ..domain.masking import mask
from ..domain.suggest import did_you_mean
from ..errors import Problem
from .yamlsource import Document, KeyPath, dotted

_YAML_TYPES = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
               list: "a list", dict: "a mapping", type(None): "empty"}
# Every pattern of the schemas, in words with an example: a user reads these, never the regex.
PATTERN_WORDS = {
    "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$":
        "must be lower-case letters, digits and '-', starting and ending with a letter or digit, "
        "at most 63 characters, like acme-de",
    "^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$":
        "must be letters, digits and . _ / -, starting and ending with a letter or digit, like team or "
        "acme.com/brand",
    "^[A-Z0-9]{10,20}$": "must be 10 to 20 upper-case letters and digits, like A3EXAMPLEACME01",
    "^[a-z]{2}$": "must be a two-letter ISO 639-1 language code in lower case, like ja",
    "^[A-Z]{2}$": "must be a two-letter code in upper case, like DE",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD, like 2029-06-30",
    "^[0-9a-f]{64}$": "must be a SHA-256 digest: 64 lower-case hex characters (sha256sum FILE prints it)",
    "^[A-Za-z_][A-Za-z0-9_]*$": "must be an environment variable name: letters, digits and _, not starting "
                                "with a digit, like ACORN_ACME_DE_REFRESH_TOKEN",
    "^[A-Za-z0-9/_+=.@:-]+$": "must be a Secrets Manager secret name or ARN (letters, digits and / _ + = . @ : -), "
                              "like acorn/sellers/acme-de",
    "^[a-z]{2}(-[a-z]+)+-[0-9]+$": "must be an AWS region, like eu-west-1",
    r"^\s*(\d+%?|rest)(\s*,\s*(\d+%?|rest))*\s*$":
        "must be waves separated by commas, each a count, a share or rest, like 1,10%,rest",
    r"^\s*\d+(\.\d+)?%\s*$": "must be a share of a wave, like 25%",
    "^[A-Z][A-Z0-9_]{2,63}$": "must be an upper-case reason code, like TAX_REGISTRATION_MAY_BE_REQUIRED",
    "\\S": "must say why in words, like we store no goods in France and sell under the OSS scheme",
}

_WANTED = {"string": "a string", "object": "a mapping", "array": "a list",
           "integer": "a whole number", "number": "a number", "boolean": "true or false"}


@cache
def schema(name: str) -> dict[str, Any]:
    """The schema `schemas/<name>.schema.json`, as shipped with the package."""
    text = resources.files("reconciler").joinpath("schemas", f"{name}.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


_DOLLAR = re.compile(r"(\\.)|(\[(?:\\.|[^\]])*\])|\$")


@cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` with ECMA-262 meaning in Python: an unescaped `$` outside a class is the end
    of the text (Python's also matches before a final newline), and classes are ASCII."""
    translated = _DOLLAR.sub(lambda m: m.group(1) or m.group(2) or r"\Z", pattern)
    return re.compile(translated, re.ASCII)


def _pattern(validator: Any, pattern: str, instance: object,
              _subschema: object) -> Iterator[Any]:  # the signature jsonschema calls keywords with
    import jsonschema

    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator(name: str) -> jsonschema.protocols.Validator:
    import jsonschema

    body = schema(name)
    base = jsonschema.validators.validator_for(body)
    base.check_schema(body)
    return jsonschema.validators.extend(base, {"pattern": _pattern})(body)


@cache
def _fast(name: str) -> "jsonschema_rs.Validator":
    return jsonschema_rs.validator_for(schema(name))


def check(doc: Document, source: str, name: str, skip: frozenset[KeyPath] = frozenset()) -> list[Problem]:
    """Every schema violation of `doc` against schema `name`, except under paths in `skip`.

    The compiled (Rust) validator answers the common case, a valid document, in
    microseconds; only an invalid one is walked again by `jsonschema` for its messages.
    """
    if _fast(name).is_valid(doc.data):
        return []
    problems: list[Problem] = []
    explained = False
    for error in _validator(name).iter_errors(doc.data):
        explained = True
        for path, message, on_key in _explain(error, doc):
            if any(path[: len(s)] == s for s in skip):
                continue
            line, col = doc.where(path, key=on_key)
            problems.append(Problem(source, line, col, dotted(path), message))
    if not explained:  # the deciding validator rejected what the explaining one accepts
        for rs_error in _fast(name).iter_errors(doc.data):
            path = tuple(rs_error.instance_path)
            if any(path[: len(s)] == s for s in skip):
                continue
            problems.append(Problem(source, *doc.where(path), dotted(path),
                                    "violates the schema (the value is not shown)"))
    return problems


def _explain(error: jsonschema.ValidationError, doc: Document) -> list[tuple[KeyPath, str, bool]]:  # noqa: C901  one branch per JSON Schema keyword it words
    path: KeyPath = tuple(error.absolute_path)
    kind, want, value = error.validator, error.validator_value, error.instance
    if kind == "oneOf":
        return _explain_one_of(error, doc, path)
    if kind == "required":
        return [(path + (k,), "required key is missing", True) for k in want if k not in value]
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in value if k not in allowed]
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return [(path + (k,), f"unknown key{did_you_mean(str(k), allowed)}{hint}", True) for k in extra]
    if kind == "type":
        wanted = _WANTED[want]  # every type the schemas name has its words (tests/desired/test_schema_messages.py)
        written = doc.written_number(path) if want == "string" else None
        if written is not None:
            if path[-1] == "number":  # registration and tax numbers are masked in every output
                written = mask(written)
            return [(path, f'must be a string, but YAML reads {written} as a number: '
                           f'quote it ("{written}") so nothing is lost', False)]
        return [(path, f"must be {wanted}, not {_YAML_TYPES[type(value)]}", False)]  # yamlsource makes only these
    if kind in ("const", "enum", "pattern"):
        options = [want] if kind == "const" else want
        words = (PATTERN_WORDS[want]  # every pattern has its words (tests/desired/test_messages.py)
                 if kind == "pattern" else "must be " + " or ".join(json.dumps(o) for o in options))
        # a key that breaks propertyNames is reported as its mapping's error, by the key's own rule
        return [(path, f"every key name here {words}" if "propertyNames" in error.relative_schema_path else words,
                 False)]
    if kind == "minItems":
        return [(path, f"must have at least {want} item(s)", False)]
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return [(path, f"must be {bound} {want} characters long", False)]
    if kind in ("minProperties", "maxProperties"):
        keys = " or ".join(sorted(error.schema.get("properties", {}))) or "keys"
        bound = "at least" if kind == "minProperties" else "at most"
        if error.schema.get("minProperties") == error.schema.get("maxProperties"):
            bound = "exactly"
        return [(path, f"must have {bound} {want} of: {keys}", False)]
    if kind in ("minimum", "maximum"):
        return [(path, f"must be {'at least' if kind == 'minimum' else 'at most'} {want}", False)]
    return [(path, f"violates the schema ({kind})", False)]


_REGION_KEYS = frozenset({"NA", "EU", "FE"})


def _explain_one_of(error: jsonschema.ValidationError, doc: Document, path: KeyPath) -> list[tuple[KeyPath, str, bool]]:
    """A oneOf explained by the branch the writer meant: `{env|file}` vs a map by region
    (credentials), or "exactly one of" keys when the branches are just `required` lists."""
    branches = error.validator_value
    if all(set(b) == {"required"} for b in branches):
        keys = " or ".join(k for b in branches for k in b["required"])
        return [(path, f"must have exactly 1 of: {keys}", False)]
    value = error.instance
    meant = int(isinstance(value, dict) and bool(set(value) & _REGION_KEYS) and not set(value) & {"env", "file", "aws"})
    found: list[tuple[KeyPath, str, bool]] = []
    for sub in error.context or ():
        if sub.schema_path and sub.schema_path[0] == meant:
            found += _explain(sub, doc)
    return found or [(path, "must be {env: NAME}, {file: PATH}, or a map by region (NA, EU, FE) of them", False)]


def seller_id_rule() -> tuple[re.Pattern[str], str]:
    """The entity schema's own rule for `spec.sellerId` (for the sandbox, which must accept no seller
    the desired state would refuse): its pattern, compiled, and the words that explain it."""
    pattern = schema("entity")["properties"]["spec"]["properties"]["sellerId"]["pattern"]
    return ecma_regex(pattern), PATTERN_WORDS[pattern]  # every pattern has its words (tests/desired/test_messages.py)
