"""The one redaction mechanism: what no output may show, and the one masked form of each kind.

    kind                 masked form     examples                              applied by
    secret               `***`           refresh and access tokens, the LWA    SecretMatcher (the run's
                         (SECRET_MASK)   client secret, any `Atza|`/`Atzr|`     secrets; client/redact.py
                                         token in free text                    runs every ApiError through it)
    identifying number   `*******6789`   tax and registration numbers, ID     mask_all (an entity's numbers,
                         (`mask`: the    document details                      in any spelling a server may
                         last 4 kept)                                          echo), the plan engine and apply

`SecretMatcher` is one matcher built as secrets are added (an index by each secret's last
characters; LWA-shaped tokens by their hash): the cost of cleaning a text grows with the text,
never with the number of secrets in the run. `mask_all` is asked with one entity's few numbers at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import quote, quote_plus

from .tokens import LWA_TOKEN

if TYPE_CHECKING:
    from .model import Entity, Reason


_VISIBLE = 4
SECRET_MASK = "***"


def mask(value: str | None) -> str:
    """`DE123456788` -> `*******6789`; values of 4 characters or fewer are masked whole."""
    if not value:
        return ""
    if len(value) <= _VISIBLE:
        return "*" * len(value)
    return "*" * (len(value) - _VISIBLE) + value[-_VISIBLE:]


_SEPARATOR = r"[\s.\-/_,:]*"
_SEPARATORS = re.compile(_SEPARATOR)
_PREFIX = re.compile(r"^([A-Za-z]{1,2})(?=[0-9])")


@lru_cache(maxsize=65536)  # asked for every value on every text that mask_all sees
def _core(value: str) -> str:
    """The characters that identify `value`: letters and digits, upper case, without a leading
    country prefix (`DE 123-456-789` and `123456789` are the same VAT number)."""
    squeezed = "".join(c for c in value if c.isalnum()).upper()
    prefix = _PREFIX.match(squeezed)
    rest = squeezed[prefix.end():] if prefix else squeezed
    return rest if len(rest) > _VISIBLE else squeezed


_SEPARATOR_CHARS = frozenset(".-/_,:")


def _is_separator(c: str) -> bool:
    return c.isspace() or c in _SEPARATOR_CHARS


def _is_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _match(text: str, i: int, chars: str) -> int:
    """Where `chars` spelt from text[i] ends (any case, separators between characters), or -1."""
    j, n = i, len(text)
    for k, c in enumerate(chars):
        if k:
            while j < n and _is_separator(text[j]):
                j += 1
        if j >= n or text[j].upper() != c:
            return -1
        j += 1
    return j


def _spans(text: str, value: str) -> list[tuple[int, int]]:
    """Every spelling a server may echo `value` in: any case, any separators between its
    characters, with or without a (country) prefix; never inside a longer word or number.
    A scan, not a regular expression: compiling one per value cost more than the search."""
    core = _core(value)
    squeezed = "".join(c for c in value if c.isalnum()).upper()
    prefix = squeezed[: len(squeezed) - len(core)]
    spans, i, n = [], 0, len(text)
    while i < n:
        if i and _is_word(text[i - 1]):
            i += 1
            continue
        end = -1
        if prefix:
            after_prefix = _match(text, i, prefix)
            if after_prefix >= 0:
                j = after_prefix
                while j < n and _is_separator(text[j]):
                    j += 1
                end = _match(text, j, core)
                if end >= 0 and end < n and _is_word(text[end]):
                    end = -1
        if end < 0:
            end = _match(text, i, core)
            if end >= 0 and end < n and _is_word(text[end]):
                end = -1
        if end < 0:
            i += 1
            continue
        spans.append((i, end))
        i = end
    return spans


def mask_all(text: str, secrets: "set[str] | frozenset[str]") -> str:
    """Replace every occurrence of each sensitive value in free text (e.g. an API message),
    however it is spelt (see `_spans`), by the value masked.

    Most texts hold none: a value is looked for only when its characters occur in the text
    with separators removed. Longer values first, so a value containing another is masked whole.
    """
    if not text or not secrets:
        return text
    squeezed = _SEPARATORS.sub("", text).upper()
    found = [v for v in secrets if len(core := _core(v)) > _VISIBLE and core in squeezed]
    for value in sorted(found, key=len, reverse=True):
        spans = _spans(text, value)
        for start, end in reversed(spans):
            text = text[:start] + mask(value) + text[end:]
    return text


def sensitive_values(entity: "Entity") -> frozenset[str]:
    """What no output may show in full: registration and tax numbers, ID document details."""
    s = entity.submission
    values = {s.business_registration.number, s.legal_representative.id_document.expires_on.isoformat()}
    values.update(t.number for t in s.tax_registrations if t.number)
    return frozenset(values)


def mask_reasons(reasons: Iterable["Reason"], secrets: "set[str] | frozenset[str]") -> tuple["Reason", ...]:
    """Reasons with their code and message masked: both are a server's words, and may echo a number."""
    from .model import Reason

    return tuple(Reason(mask_all(r.code, secrets), mask_all(r.message, secrets)) for r in reasons)


# -- secrets ------------------------------------------------------------------------------------

SHORT = 8  # a secret shorter than this is masked only where it stands alone, not inside words
FEW = 64  # up to this many forms, each is searched for; past it, the text is looked up in the index
FEW_PER_TAIL = 8  # forms of one tail kept as a tuple; past it, a set
_ESCAPE = re.compile(r"%[0-9A-F]{2}")


def _forms(secret: str) -> set[str]:
    """The ways a secret can come back: as sent, form- or URL-encoded, with either case of escapes."""
    encoded = {secret, quote(secret, safe=""), quote_plus(secret, safe="")}
    return encoded | {_ESCAPE.sub(lambda m: m.group().lower(), e) for e in encoded}


_TOKEN_START = "Atz"  # where every LWA token (LWA_TOKEN) starts

Forms = str | tuple[str, ...] | set[str]  # one form as itself, a few as a tuple, more as a set


def _file(index: dict[str, Forms], form: str) -> bool:
    """File `form` in `index` under its tail; whether it was new."""
    tail = form[-SHORT:]
    forms = index.get(tail)
    if forms is None:
        index[tail] = form
    elif forms == form or (not isinstance(forms, str) and form in forms):
        return False
    elif isinstance(forms, str):
        index[tail] = (forms, form)
    elif isinstance(forms, tuple):
        index[tail] = forms + (form,) if len(forms) < FEW_PER_TAIL else {*forms, form}
    else:
        forms.add(form)
    return True


def _each(forms: Forms) -> tuple[str, ...] | set[str]:
    return (forms,) if isinstance(forms, str) else forms


class SecretMatcher:
    """The secrets of one run, and text cleaned of them (each occurrence becomes SECRET_MASK).

    Built as secrets are added: every form of SHORT characters or more is filed under its last
    SHORT characters (LWA tokens share their first ones, never their last), so a text is
    scanned once, one look-up per position, whatever the number of secrets. Up to FEW forms,
    each is simply searched for (a search in C beats building the text's slices); the few
    forms shorter than SHORT are looked up by length, and match only as whole words. A form
    shaped like an LWA token (a fleet's refresh and access tokens) is filed apart: it can only
    start where a text says "Atz", and most texts never do, so they cost one search in C.
    Those are kept by their hash, not their text: LWA's tokens are hundreds of characters, three
    forms each, for every seller of the run (2 KB a seller). A text's slice of a form's length
    that hashes alike is masked: every occurrence is found; a slice that only collides (one in
    2^64) would be masked too, which hides text and never shows a secret.
    """

    def __init__(self) -> None:
        # last SHORT characters -> its forms: one form as itself, a few as a tuple, more as a set
        # (a fleet's secrets are 100,000s of entries: an empty set alone is 216 bytes)
        self._by_tail: dict[str, Forms] = {}
        self._long = 0  # how many forms _by_tail holds
        self._tokens: set[int] = set()  # hash() of each LWA-shaped form
        self._token_lengths: set[int] = set()  # the lengths of those forms
        self._short: dict[int, set[str]] = {}  # length -> forms shorter than SHORT

    def __reduce__(self) -> NoReturn:
        # Its token index holds hash()es, which every interpreter salts its own way: a copy in
        # another process would find no token, so it is never pickled there.
        raise TypeError("a SecretMatcher belongs to the process that built it and cannot be pickled")

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and secret.strip():  # an empty value would match everywhere
                for form in _forms(secret.strip()) | _forms(secret):
                    if len(form) < SHORT:
                        self._short.setdefault(len(form), set()).add(form)
                    elif LWA_TOKEN.fullmatch(form):
                        self._tokens.add(hash(form))
                        self._token_lengths.add(len(form))
                    elif _file(self._by_tail, form):
                        self._long += 1

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """Every (start, end) where a secret is written in `text`, overlapping or not. Nothing
        here walks the run's secrets: the text is looked up in the indexes."""
        return self._indexed_spans(text) + self._token_spans(text) + self._short_spans(text)

    def _indexed_spans(self, text: str) -> list[tuple[int, int]]:
        """The forms of _by_tail: the text's SHORT-character slices, looked up as one set."""
        spans: list[tuple[int, int]] = []
        if self._long <= FEW:
            tails = {tail for tail, forms in self._by_tail.items()
                     if (forms in text if isinstance(forms, str) else any(f in text for f in forms))}
        else:
            tails = {text[i:i + SHORT] for i in range(len(text) - SHORT + 1)} & self._by_tail.keys()
        for tail in tails:
            end = text.find(tail) + SHORT
            while end >= SHORT:
                spans += [(end - len(f), end) for f in _each(self._by_tail[tail]) if text.startswith(f, end - len(f))]
                end = text.find(tail, end - SHORT + 1) + SHORT
        return spans

    def _token_spans(self, text: str) -> list[tuple[int, int]]:
        """The LWA-shaped forms: where the text says "Atz", its slice of each form's length is looked up by its hash."""
        spans: list[tuple[int, int]] = []
        start = text.find(_TOKEN_START) if self._tokens else -1
        while start >= 0:
            spans += [(start, start + length) for length in self._token_lengths
                      if start + length <= len(text) and hash(text[start:start + length]) in self._tokens]
            start = text.find(_TOKEN_START, start + 1)
        return spans

    def _short_spans(self, text: str) -> list[tuple[int, int]]:
        """The forms shorter than SHORT, where they stand as whole words."""
        spans: list[tuple[int, int]] = []
        for length, forms in self._short.items():
            for word in {text[i:i + length] for i in range(len(text) - length + 1)} & forms:
                start = text.find(word)
                while start >= 0:
                    end = start + length
                    if not (start and _is_word(text[start - 1])) and not (end < len(text) and _is_word(text[end])):
                        spans.append((start, end))
                    start = text.find(word, start + 1)
        return spans

    def finds(self, text: str) -> bool:
        """Whether `text` holds a secret of the run, or anything shaped like an LWA token."""
        return LWA_TOKEN.search(text) is not None or bool((self._by_tail or self._short) and self._spans(text))

    def text(self, text: str) -> str:
        """`text` with every secret of the run, and anything shaped like an LWA token, masked:
        occurrences that overlap or contain one another become one mask, so no part of any of
        them is left showing."""
        if self._by_tail or self._short or self._tokens:
            out, done = [], 0
            for start, end in sorted(self._spans(text)):
                if start >= done:
                    out += [text[done:start], SECRET_MASK]
                done = max(done, end)
            text = "".join(out) + text[done:] if out else text
        return LWA_TOKEN.sub(SECRET_MASK, text)
