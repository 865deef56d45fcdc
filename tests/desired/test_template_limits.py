"""Templates run with limits on work as well as on reach: endless loops, giant powers and
numbers too large to print stop after a counted amount of work (never a wall-clock time, so
the verdict is the same on any machine) as a problem naming the file and the row;
a literal credential in a template's rows is refused like one in an entity file, unechoed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reconciler.desired import entity_templates
from tests import REPO

ATLAS = (REPO / "desired" / "templates" / "atlas.yaml.j2").read_text()
HEADER = "rows:\n  - name: a\n---\n"
PATH = "desired/templates/t.yaml.j2"


def problems(body: str, header: str = HEADER) -> list[str]:
    rendered, found = entity_templates.render(PATH, header + body)
    assert rendered == []
    return [f"{p.label}:{p.line}: {p.key}: {p.message}" for p in found]


@pytest.mark.parametrize("body, why", [
    ("{{ 9**(9**9) }}", "a power larger than 4096 bits"),
    ("{{ 2**5000 }}", "a power larger than 4096 bits"),
    ("{% set n = 2**2000 %}{{ n * n * n }}", "a number larger than 4096 bits"),
    ("{{ 'x' * 10**8 }}", "a value longer than 1,000,000 characters or items"),
    ("{{ [1] * 10**8 }}", "a value longer than 1,000,000 characters or items"),
    ("{{ 'x' | center(10**9) }}", "the argument 1000000000 is larger than 100,000"),
    ("{{ 'x'.ljust(10**9) }}", "the argument 1000000000 is larger than 100,000"),
    ("{{ '{:>999999999}'.format(1) }}", "a format with a width or precision of six digits or more"),
    ("{{ '%999999999d' % 1 }}", "a format with a width or precision of six digits or more"),
    ("{{ '{x:>999999999}'.format_map({'x': 1}) }}", "a format with a width or precision of six digits or more"),
], ids=["9^9^9", "2^5000", "product", "long-text", "long-list", "center", "ljust", "format", "percent", "format_map"])
def test_huge_work_is_refused_at_once(body, why):
    assert problems(body) == [f"{PATH} (row a):2: rows[0]: template: stopped: {why} (templates have limits on work)"]


LOOPS = {
    "nested-range": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "nested-text": "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "recursion": "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
}


@pytest.mark.parametrize("name", LOOPS)
def test_a_template_that_would_run_for_hours_stops_within_seconds(name):
    # A subprocess, so a regression is a timeout here, not a hung test run.
    script = ("import sys; from reconciler.desired import entity_templates as t\n"
              f"r, p = t.render({PATH!r}, {HEADER + LOOPS[name]!r})\n"
              "print(r == [] and len(p)); print(p[0].message if p else '')")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO)
    count, message = proc.stdout.splitlines()
    assert count == "1", proc.stdout + proc.stderr
    assert message.startswith("template: ") and ("took more than 2,000,000 steps" in message or "Recursion" in message)


def test_the_work_budget_is_per_file_and_stops_trying_rows():
    header = "rows:\n" + "".join(f"  - name: r{i}\n" for i in range(5)) + "---\n"
    found = problems(LOOPS["nested-range"], header)
    assert len(found) == 1 and "took more than 2,000,000 steps" in found[0] and "(row r0)" in found[0]


def test_work_done_in_filters_counts_toward_the_budget():
    """A few lines of template that make filters do the work (100,000 items a pass) stop as the
    loops do: the budget counts work, so a loaded machine and a quiet one agree."""
    body = ("{% set s = range(100000) | list %}{% for i in range(10000) %}"
            "{{ s | map('string') | list | length }}{% endfor %}")
    assert problems(body) == [f"{PATH} (row a):2: rows[0]: template: stopped: rendering took more than 2,000,000 "
                              "steps (templates have limits on work)"]


def test_a_template_within_the_budget_renders_whatever_the_machine():
    rendered, found = entity_templates.render(PATH, HEADER + "{% for i in range(1000) %}{{ i % 10 }}{% endfor %}")
    assert found == [] and rendered[0].text == "0123456789" * 100


def test_an_int_too_large_to_read_is_not_a_crash():  # the int filter yields 0 when it cannot read one
    rendered, found = entity_templates.render(PATH, HEADER + "{{ ('9' * 5000) | int }}")
    assert found == [] and rendered[0].text == "0"


@pytest.mark.parametrize("row", ["    token: Atzr|IwEBIsecret-refresh", "    Atza|IwEBIsecretkey: x",
                                 "    nested: {deep: [Atzr|IwEBIsecret-refresh]}"], ids=["value", "key", "nested"])
def test_a_literal_credential_in_the_rows_is_refused_and_not_echoed(row):
    text = ATLAS.replace("    companyNumber: \"09876543\"\n", f"    companyNumber: \"09876543\"\n{row}\n")
    rendered, found = entity_templates.render(PATH, text)
    assert rendered == [] and len(found) == 1
    assert found[0].message.startswith("looks like a literal secret") and found[0].line == 10
    assert "IwEBIsecret" not in str(found[0])


def test_a_template_error_does_not_echo_a_token_it_was_given():
    header = "rows:\n  - name: a\n    n: {env: X}\n---\n"
    text = header + "{{ ('Atzr|' ~ 'IwEBIsecret') | int(base=99) }}"
    rendered, found = entity_templates.render(PATH, text)
    assert "IwEBIsecret" not in str(found)


def test_a_rows_keys_are_read_as_attributes_and_a_long_text_is_no_format():
    header = "rows:\n  - name: a\n    vat: DE123\n---\n"
    body = "{{ row.vat }} {{ row.name | upper }} {{ '1234567'.upper() }}"
    rendered, found = entity_templates.render(PATH, header + body)
    assert found == [] and rendered[0].text == "DE123 A 1234567"


@pytest.mark.parametrize("body, why", [
    ("{{ 'x' * 10**20 }}", "a value longer than 1,000,000 characters or items"),
    ("{{ 10**20 * 'x' }}", "a value longer than 1,000,000 characters or items"),
    ("{{ 10**20 * [1] }}", "a value longer than 1,000,000 characters or items"),
    ("{% set n = 2**100 %}{{ n ** 100 }}", "a power larger than 4096 bits"),
    ("{{ 2 ** 2049 }}", "a power larger than 4096 bits"),
    ("{{ '%*d' % (10**7, 1) }}", "the argument 10000000 is larger than 100,000"),
    ("{{ 'x' | center(width=10**9) }}", "the argument 1000000000 is larger than 100,000"),
    ("{{ 'x' | center(10**30) }}", "the argument given is larger than 100,000"),
    ("{{ ('x' * 600000) | replace('x', 'yy') | length }}", "a value longer than 1,000,000 characters or items"),
], ids=["text-times-huge", "huge-times-text", "huge-times-list", "power-of-a-large-number", "power-past-the-bound",
        "percent-width", "filter-keyword", "filter-huge-number", "filter-result"])
def test_work_too_large_to_do_is_refused_before_it_is_done(body, why):
    """Refused before Python tries: `'x' * 10**20` would otherwise end in an OverflowError, a large
    power in minutes of arithmetic, a `%*d` width in a huge text."""
    assert problems(body) == [f"{PATH} (row a):2: rows[0]: template: stopped: {why} (templates have limits on work)"]


@pytest.mark.parametrize("body, text", [
    ("{{ (2 ** 2048) | string | length }}", "617"),           # the largest power of two within 4096 bits
    ("{{ 1 ** 5000 }} {{ (-1) ** 5001 }}", "1 -1"),         # a power of 1 stays small, however high
    ("{{ (1.001 ** 4096) | int }}", "59"),                   # the highest power allowed
    ("{{ ((2 ** 2048) * (2 ** 2047)) | string | length }}", "1233"),  # a number of 4096 bits: the largest
    ("{{ dict(a=1) }} {% macro f(x=1) %}{{ x }}{% endmacro %}{{ f(x=2) }}", "{'a': 1} 2"),  # calls with keywords
    ("{{ 1.5 ** 2 }} {{ 3 * 'ab' }} {{ [0] * 2 }} {{ 'ab' * 0 }}|", "2.25 ababab [0, 0] |"),
    ("{{ ('x' * 1000000) | length }} {{ (1000000 * 'x') | length }}", "1000000 1000000"),  # exactly the limit
    ("{{ '%d-%s' % (7, 'a') }}", "7-a"),
    ("[{{ 'x' | center(width=3) }}] {{ [1, 2] | map('string') | join(',') }}", "[ x ] 1,2"),  # filters as Jinja's
])
def test_work_within_the_limits_renders(body, text):
    rendered, found = entity_templates.render(PATH, HEADER + body)
    assert found == [] and rendered[0].text == text
