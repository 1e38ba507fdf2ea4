"""Phone numbers: mainland numbers normalised to E.164, others refused, shown national and
masked."""

from __future__ import annotations

import pytest

from helpdesk.identity import phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("8613800138000", "+8613800138000"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("028-63201710", "+862863201710"),
        ("(010) 12345678", "+861012345678"),
        ("+862862093080", "+862862093080"),
    ],
)
def test_mainland_numbers_are_normalised_to_e164(typed, e164):
    assert phone.normalise(typed) == e164


@pytest.mark.parametrize(
    "typed",
    ["", "12345", "+1 415 555 0100", "23800138000", "138001380001", "1380013800a", "<script>"],
)
def test_other_numbers_are_refused(typed):
    with pytest.raises(phone.InvalidPhone):
        phone.normalise(typed)


def test_numbers_display_in_national_form_and_masked():
    assert phone.display("+862863201710") == "028-63201710"
    assert phone.display("+8613800138000") == "138 0013 8000"
    assert phone.mask("+8613800138000") == "138****8000"
