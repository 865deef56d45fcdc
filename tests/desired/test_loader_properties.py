"""Property: whatever text a user writes, the loader loads it or explains it; nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.desired.loader import load_entity
from tests import FIXTURES

VALID = (FIXTURES / "valid.yaml").read_text()
LINES = VALID.splitlines(keepends=True)

# Fragments that stress YAML and the schema: tags, anchors, types, secrets, odd unicode.
FRAGMENTS = ["", ":", " - ", "&a", "*a", "!!python/object:os.system", "!tag", "<<: *a", "{", "[", "'",
             '"', "0123", "1e9", "2029-02-30", "~", "null", "yes", "Atzr|x", "\t", "\x00", "é", "\ufeff",
             "---", "...", "%YAML 1.1", "? ", "|", ">", "#", "  ", "\n"]


def outcome(text: str) -> None:
    entity, problems = load_entity(text, "p.yaml", "valid")
    assert (entity is None) != (problems == [])
    for p in problems:
        assert p.line >= 1 and p.column >= 1 and p.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    outcome(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.integers(0, 80),
                          st.sampled_from(["insert", "delete", "replace", "drop-line", "dup-line"]),
                          st.sampled_from(FRAGMENTS) | st.text(max_size=8)), min_size=1, max_size=4))
def test_mutations_of_a_valid_entity(edits: list[tuple[int, int, str, str]]) -> None:
    lines = list(LINES)
    for line_no, col, op, frag in edits:
        line_no %= len(lines) or 1
        if not lines:
            lines = [frag]
            continue
        line = lines[line_no]
        col = min(col, len(line))
        if op == "insert":
            lines[line_no] = line[:col] + frag + line[col:]
        elif op == "delete":
            lines[line_no] = line[:col] + line[col + len(frag) + 1:]
        elif op == "replace":
            lines[line_no] = line[:col] + frag + line[col + len(frag):]
        elif op == "drop-line":
            del lines[line_no]
        else:
            lines.insert(line_no, line)
    outcome("".join(lines))
