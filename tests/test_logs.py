"""No full resident ID number or mobile phone number reaches a log line."""

from __future__ import annotations

import io
import logging
import random

from helpdesk.demo import fake_id_number
from helpdesk.logs import RedactingFilter, redact

HEADER = "exam_session,name,id_number,admission_number,phone\n"


def test_a_day_of_sign_ins_and_imports_logs_no_full_id_number(
    client, caplog, make_candidate, make_exam, make_staff, sign_in_staff
):
    caplog.set_level(logging.DEBUG)
    rng = random.Random(3)
    identity = make_candidate(sessions=[make_exam("FORMAL")])
    typed = [identity["id_number"], fake_id_number(rng), fake_id_number(rng)[:17] + "Z"]
    for number in typed:
        client.post("/signin", data=dict(identity, id_number=number))
        client.post("/api/v1/candidate-tokens", json=dict(identity, id_number=number, name="x"))
        client.get(f"/signin?id_number={number}")
    sign_in_staff(make_staff("admin"))
    bad = fake_id_number(rng)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    client.post(
        "/admin/roster/import",
        content_type="multipart/form-data",
        data={
            "file": (io.BytesIO((HEADER + f"FORMAL,甲,{bad},ZK1,13800138000\n").encode()), "r.csv")
        },
    )

    text = caplog.text
    for number in [*typed, bad]:
        assert number not in text
        assert number[:17] not in text


def test_the_redacting_filter_masks_an_id_number_whoever_logs_it():
    number = fake_id_number(random.Random(5))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("candidate %s failed", number)
        try:
            raise ValueError(f"bad {number}")
        except ValueError:
            logger.exception("oops")
    finally:
        logger.removeHandler(handler)

    assert number not in stream.getvalue()
    assert number[:6] + "********" + number[-4:] in stream.getvalue()


def test_phone_numbers_are_masked_in_every_written_form():
    written = "13800138000 138 0013 8000 138-0013-8000 +8613800138000 8613800138000"
    assert redact(written) == "138****8000 " * 4 + "138****8000"
    assert redact("caller +862863201710") == "caller +86286****710"


def test_other_long_numbers_and_short_ones_are_left_alone():
    text = "order 12345678901234567890, 23800138000, 1380013800, took 1380 ms, 2026-12-01"
    assert redact(text) == text


def test_an_id_number_is_recognised_and_a_phone_number_is_not_one():
    from helpdesk.notify.text import has_id_number

    assert has_id_number(f"id {fake_id_number(random.Random(8))}")
    assert not has_id_number("call 13800138000 or 400-088-0028")
