"""Did-you-mean: the hint every 'unknown name' message ends with."""

from __future__ import annotations

from reconciler.domain.suggest import COUNTRY_ALIASES, MARKETPLACE_ALIASES, close_to, did_you_mean


def test_the_mix_up_people_make_comes_first_then_the_closest_spellings():
    assert close_to("GB", ["UK", "DE", "GB2"], MARKETPLACE_ALIASES) == ["UK", "GB2"]
    assert did_you_mean("UK", ["GB", "DE"], COUNTRY_ALIASES) == "; did you mean 'GB'?"


def test_an_alias_that_is_not_an_option_is_not_suggested():
    assert close_to("GB", ["DE", "FR"], MARKETPLACE_ALIASES) == []


def test_at_most_three_suggestions_and_none_for_a_word_close_to_nothing():
    assert close_to("acme", ["acme-sz", "acne", "acmee", "acm", "zzz"]) == ["acmee", "acm", "acne"]
    assert did_you_mean("acm", ["acme", "acmx"]) == "; did you mean 'acmx' or 'acme'?"
    assert did_you_mean("zzzz", ["acme"]) == ""
    assert close_to("GB", ["UK", "GB1", "GB2", "GB3"], MARKETPLACE_ALIASES) == ["UK", "GB3", "GB2"]
