"""The one redaction mechanism: an identifying number shown as its last four characters, a
secret of the run shown as `***`, in whatever spelling a server echoes it."""

from __future__ import annotations

import pickle
from datetime import date
from urllib.parse import quote

import pytest

from reconciler.domain.masking import SECRET_MASK, SecretMatcher, mask, mask_all, mask_reasons, sensitive_values
from reconciler.domain.model import (
    BusinessRegistration,
    DocumentRef,
    Entity,
    IdDocument,
    LegalRepresentative,
    Reason,
    SecretRef,
    Submission,
    TaxRegistration,
)


@pytest.mark.parametrize("value, shown", [
    ("DE123456789", "*******6789"),
    ("12345", "*2345"),
    ("1234", "****"),  # four characters or fewer: nothing of it is shown
    ("ab", "**"),
    ("", ""),
    (None, ""),
])
def test_a_number_is_shown_by_its_last_four_characters_only(value, shown):
    assert mask(value) == shown


def test_text_without_numbers_to_hide_is_returned_as_it_is():
    assert mask_all("", frozenset({"DE123456789"})) == ""
    assert mask_all("VAT DE123456789 refused", frozenset()) == "VAT DE123456789 refused"
    assert mask_all("VAT DE987654321 refused", frozenset({"DE123456789"})) == "VAT DE987654321 refused"


def test_a_number_is_masked_with_or_without_its_country_prefix_but_never_inside_a_longer_word():
    numbers = frozenset({"DE123456789"})
    assert mask_all("ref XDE123456789, DE123456789X, 0123456789 and DE 123 456 789", numbers) == \
        "ref XDE123456789, DE123456789X, 0123456789 and *******6789"
    assert mask_all("(DE123456789)", numbers) == "(*******6789)"
    assert mask_all("DE: 123456789!", numbers) == "*******6789!"
    assert mask_all("123456789 is not valid in DE", numbers) == "*******6789 is not valid in DE"


def test_a_number_of_four_characters_or_fewer_past_its_prefix_is_matched_whole():
    # AB1234: without its prefix only four characters would be left, too common to look for
    assert mask_all("code AB1234 and 1234 and ab-1234", frozenset({"AB1234"})) == \
        "code **1234 and 1234 and **1234"


def test_a_number_that_contains_another_is_masked_whole():
    numbers = frozenset({"123456789", "123456789012"})
    assert mask_all("ids 123456789012 and 123456789", numbers) == "ids ********9012 and *****6789"
    # a Canadian business number inside its GST/HST number: the longer one first, whole
    numbers = frozenset({"123456789", "123456789RT0001"})
    assert mask_all("GST 123456789 RT 0001 invalid", numbers) == "GST ***********0001 invalid"
    # longer first whatever their alphabetical order
    assert mask_all("ref 1234 56789 and 56789", frozenset({"56789", "1234 56789"})) == "ref ******6789 and *6789"


def test_a_number_followed_by_a_letter_or_digit_is_another_word():
    assert mask_all("id 123456789X and 123456789", frozenset({"DE123456789"})) == "id 123456789X and *******6789"


def test_a_number_of_four_characters_or_fewer_is_not_looked_for_in_free_text():
    assert mask_all("room 1234 and AB12", frozenset({"AB12", "1234"})) == "room 1234 and AB12"


def entity(*taxes: TaxRegistration) -> Entity:
    submission = Submission("Acme GmbH", BusinessRegistration("DE", "HRB 12345", DocumentRef("s3://d", "0" * 64)),
                            LegalRepresentative("Jo Doe", IdDocument("passport", date(2031, 4, 5))), taxes)
    return Entity("acme", "A3EXAMPLEACME01", SecretRef("env", "T"), submission, ("DE",))


def test_the_sensitive_values_are_the_registration_and_tax_numbers_and_the_id_expiry():
    e = entity(TaxRegistration("EU_VAT", "DE", "DE123456789"), TaxRegistration("US_W8BENE", "US", None))
    assert sensitive_values(e) == {"HRB 12345", "2031-04-05", "DE123456789"}


def test_a_reasons_code_and_message_are_both_masked():
    numbers = sensitive_values(entity(TaxRegistration("EU_VAT", "DE", "DE123456789")))
    reasons = mask_reasons([Reason("BadVat_DE123456789", "DE123456789 is not valid; HRB 12345 ok")], numbers)
    assert reasons == (Reason("BadVat_*******6789", "*******6789 is not valid; *****2345 ok"),)


# -- secrets ----------------------------------------------------------------------------------

def test_a_secret_is_masked_as_sent_and_url_or_form_encoded_in_either_case_of_escapes():
    m = SecretMatcher()
    m.add("my s3cr3t/value")
    text = "a my s3cr3t/value b my%20s3cr3t%2Fvalue c my+s3cr3t%2Fvalue d my%20s3cr3t%2fvalue e my+s3cr3t%2fvalue"
    assert m.text(text) == "a *** b *** c *** d *** e ***"


def test_empty_blank_and_missing_secrets_mask_nothing():
    m = SecretMatcher()
    m.add(None, "", "   ")
    assert m.text("nothing here is secret") == "nothing here is secret"


def test_a_secret_with_blanks_around_it_is_masked_without_them_too():
    m = SecretMatcher()
    m.add(" padded-secret-1 ")
    assert m.text("x=padded-secret-1;") == f"x={SECRET_MASK};"


def test_a_short_secret_is_masked_only_as_a_whole_word():
    m = SecretMatcher()
    m.add("ab12")
    assert m.text("ab12 xab12 ab12x ab12, (ab12)") == "*** xab12 ab12x ***, (***)"
    assert m.text("ab12 and room, key ab12") == "*** and room, key ***"  # other words stay; the last one too
    assert m.text("key=ab12") == "key=***"  # only at the very end


def test_every_occurrence_of_a_secret_is_masked():
    m = SecretMatcher()
    m.add("refresh-token-value")
    assert m.text("refresh-token-value refresh-token-valuerefresh-token-value") == "*** ******"


def test_a_secret_of_eight_characters_at_the_very_start_is_masked():
    m = SecretMatcher()
    m.add("abcd1234")
    assert m.text("abcd1234 is set") == "*** is set"
    assert m.text("abcd1234abcd1234") == "******"  # twice in a row


def test_a_secret_overlapping_a_shorter_one_is_masked_whole():
    m = SecretMatcher()
    m.add("aaaaaaaa", "aaaaaaaaa")
    assert m.text("[aaaaaaaaa]") == "[***]"


@pytest.mark.parametrize("count", [3, 70])  # a few secrets, and more than are simply searched for
def test_two_secrets_overlapping_from_different_starts_leave_no_part_of_either(count):
    m = SecretMatcher()
    m.add("abcdefghij", "cdefghijklmn", *(f"other-secret-{i:03d}" for i in range(count)))
    assert m.text("xxabcdefghijklmnyy") == "xx***yy"


@pytest.mark.parametrize("count", [3, 70])  # a few secrets, and more than are simply searched for
def test_many_secrets_are_each_masked_and_nothing_else(count):
    m = SecretMatcher()
    m.add(*(f"secret-number-{i:03d}" for i in range(count)))
    last = f"secret-number-{count - 1:03d}"
    assert m.text(f"a secret-number-001 b {last}secret-number-000 c secret-number-999") == \
        "a *** b ****** c secret-number-999"
    assert m.text(f"ends with {last}") == "ends with ***"


def test_a_secret_containing_another_is_masked_whole():
    m = SecretMatcher()
    m.add("client-secret", "the-client-secret-long")
    assert m.text("x the-client-secret-long y client-secret") == "x *** y ***"


def test_anything_shaped_like_an_lwa_token_is_masked_even_when_not_a_known_secret():
    assert SecretMatcher().text("token Atza|IwEBIA.x-y, refresh Atzr%7Cabc end") == "token ***, refresh *** end"


@pytest.mark.parametrize("count", [3, 70])  # a few tokens, and more than are simply searched for
def test_a_known_lwa_token_is_masked_exactly_where_it_stands_and_what_follows_it_stays(count):
    # A fleet's refresh and access tokens are looked up where a text says "Atz", not by scanning
    # the text: each is still masked to its own end, so the text around it is kept.
    m = SecretMatcher()
    tokens = [f"Atzr|IwEBI{i:04d}-refresh/tok+en=" for i in range(count)]
    m.add(*tokens, "client-secret-value")
    last = tokens[-1]
    assert m.text(f"(sent {last}/more {quote(tokens[0], safe='')}) and client-secret-value.") == \
        "(sent ***/more ***) and ***."
    assert m.text(f"{tokens[1]}{tokens[2]}x") == "******x"
    assert m.text("Atzr|IwEBI9999-refresh/tok+en=/x") == "***"  # unknown: the token's shape, to its end


def test_a_long_lwa_token_is_masked_in_each_spelling_without_the_matcher_keeping_its_text():
    # LWA's tokens are hundreds of characters and a run holds two a seller, three spellings each:
    # the matcher keeps what finds them, not their text (100,000 sellers would hold 200 MB more).
    token = "Atza|IwEBI" + "Qx9-" * 100 + "tail"
    m = SecretMatcher()
    m.add(token)
    assert "Qx9-Qx9-" not in repr(vars(m))
    text = f"a {token}&next=1 b {quote(token, safe='')} c {quote(token, safe='').replace('%7C', '%7c')}."
    assert m.text(text) == "a ***&next=1 b *** c ***."
    assert m.finds(f"x{token}")


def test_a_matcher_is_never_pickled_into_another_process():
    # Its token index holds this interpreter's hashes: another process would find no token in it.
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(SecretMatcher())
