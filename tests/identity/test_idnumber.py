"""Resident ID numbers: normalised, checked (length, characters, birth date, GB 11643 check digit),
hashed and masked."""

from __future__ import annotations

import random

import pytest

from helpdesk.demo import fake_id_number
from helpdesk.identity import idnumber


@pytest.fixture
def valid() -> str:
    return fake_id_number(random.Random(7))


def test_a_valid_number_is_returned_in_canonical_form(valid):
    assert idnumber.normalise(f"  {valid}  ") == valid


def test_spaces_typed_between_the_digits_are_removed(valid):
    typed = f"{valid[:6]} {valid[6:14]}\u3000{valid[14:]}\t"

    assert idnumber.normalise(typed) == valid


def test_full_width_digits_and_a_lowercase_x_are_normalised():
    first17 = "11010119900307" + "803"
    expected = first17 + idnumber.check_digit(first17)
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in expected.lower())

    assert idnumber.normalise(typed) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "18-character"),
        ("12345", "18 characters"),
        ("1101011990030780311", "18 characters"),
        ("11010119900307803Ａ", "digits 0-9"),
        ("١١٠١٠١١٩٩٠٠٣٠٧٨٠٣٤", "digits 0-9"),  # Arabic-Indic digits
        ("110101X99003078034", "last character"),
        ("110101199013078034", "birth date"),
        ("110101180001018034", "birth date"),
        ("11010119900307803\u0000", "digits 0-9"),
    ],
)
def test_malformed_numbers_are_refused_with_a_reason(text, reason):
    with pytest.raises(idnumber.InvalidIdNumber) as caught:
        idnumber.normalise(text)

    assert reason in str(caught.value)


def test_a_wrong_check_digit_is_refused(valid):
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")

    with pytest.raises(idnumber.InvalidIdNumber, match="does not match"):
        idnumber.normalise(wrong)


def test_the_mask_keeps_only_region_and_last_four(valid):
    masked = idnumber.mask(valid)

    assert masked == valid[:6] + "********" + valid[-4:]
    assert valid[6:14] not in masked


def test_the_keyed_hash_depends_on_the_key(valid):
    assert idnumber.keyed_hash(valid, "a") != idnumber.keyed_hash(valid, "b")
    assert valid not in idnumber.keyed_hash(valid, "a")
