"""Hostile and malformed input on the ticket form: shown inert, refused clearly, nothing lost."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from helpdesk.tickets import files
from helpdesk.tickets.models import Ticket
from tests.tickets.conftest import PNG

SCRIPT = '<script>alert("x")</script><img src=x onerror="alert(1)">'


def _file(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="image/png")


def _post(client, **extra):
    data = {
        "category": "face_verification",
        "exam_session": "MOCK-D1",
        "description": "人脸验证一直失败",
        "phone": "13800138000",
        **extra,
    }
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict(
            [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
        )
    )
    return client.post(
        "/tickets/new", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def _count(db_session) -> int:
    return int(db_session.scalar(select(func.count(Ticket.id))))


@pytest.mark.parametrize("field", ["description", "client_message", "old_computer", "new_computer"])
def test_script_in_any_text_field_is_shown_as_text(client, owner, sign_in_candidate, field):
    sign_in_candidate(owner)

    created = _post(client, **{field: SCRIPT})
    page = client.get(created.headers["Location"])

    assert created.status_code == 302
    assert "<script>alert" not in page.text
    assert 'onerror="alert' not in page.text
    assert "&lt;script&gt;" in page.text


def test_script_in_a_file_name_is_shown_as_text(client, owner, sign_in_candidate):
    sign_in_candidate(owner)

    created = _post(client, attachments=[_file(PNG, "<img src=x onerror=alert(1)>.png")])
    page = client.get(created.headers["Location"])

    assert "<img src=x" not in page.text
    assert "_img src=x onerror=alert(1)_.png" in page.text


def test_a_renamed_executable_is_refused_and_the_description_is_kept(
    client, db_session, owner, sign_in_candidate
):
    sign_in_candidate(owner)

    response = _post(
        client,
        description="登录不了，见截图",
        attachments=[_file(b"MZ\x90\x00" + b"\x00" * 200, "截图.png")],
    )

    assert response.status_code == 422
    assert "截图.png 无法上传" in response.text
    assert "登录不了，见截图" in response.text
    assert _count(db_session) == 0


def test_an_elf_binary_named_as_text_is_refused(client, owner, sign_in_candidate):
    sign_in_candidate(owner)

    response = _post(client, attachments=[_file(b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "log.txt")])

    assert response.status_code == 422


def test_an_oversized_file_is_refused_with_its_size_limit(
    client, db_session, owner, sign_in_candidate, app
):
    sign_in_candidate(owner)
    big = PNG + b"\x00" * (files.MAX_BYTES + 1)

    response = _post(client, attachments=[_file(big, "大图.png")])

    assert response.status_code == 413
    assert "超过 10 MB" in response.text
    assert _count(db_session) == 0


def test_more_than_five_files_are_refused(client, owner, sign_in_candidate):
    sign_in_candidate(owner)

    response = _post(client, attachments=[_file(PNG, f"{i}.png") for i in range(6)])

    assert response.status_code == 422
    assert "最多上传 5 个文件" in response.text


def test_a_refused_file_leaves_no_file_behind(client, owner, sign_in_candidate, app):
    sign_in_candidate(owner)
    folder = files.path_of(app.config["UPLOAD_DIR"], files.SUBDIR)
    before = set(folder.iterdir()) if folder.exists() else set()

    _post(client, attachments=[_file(PNG, "ok.png"), _file(b"MZ" + b"\x00" * 10, "bad.png")])

    after = set(folder.iterdir()) if folder.exists() else set()
    assert after == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 10, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04" + b"\x00" * 20, "application/zip"),
        ("登录日志：错误 E42\n".encode(), "text/plain; charset=utf-8"),
        ("登录日志：错误 E42\n".encode("gb18030"), "text/plain; charset=gb18030"),
    ],
)
def test_allowed_files_are_recognised_by_content(content, expected):
    assert files.sniff(content[:16], content) == expected


@pytest.mark.parametrize(
    "content", [b"MZ\x90\x00", b"\x7fELF", b"#!/bin/sh\nrm -rf /", b"\x00\x01\x02\x03binary", b""]
)
def test_executables_and_binary_junk_are_refused(content):
    assert files.sniff(content[:16], content) is None


def test_a_file_name_keeps_its_chinese_but_loses_paths_and_controls():
    assert files.clean_name("C:\\Users\\张三\\桌面\\登录失败截图.png") == "登录失败截图.png"
    assert files.clean_name("../../etc/passwd") == "passwd"
    assert files.clean_name("a\u202egnp.exe") == "a_gnp.exe"
    assert files.clean_name("   ") == "file"


def test_an_overlong_description_is_refused_and_kept(client, owner, sign_in_candidate):
    sign_in_candidate(owner)

    response = _post(client, description="长" * 5001)

    assert response.status_code == 422
    assert "长" * 100 in response.text


def test_an_invalid_phone_is_refused_with_what_to_fix(client, owner, sign_in_candidate):
    sign_in_candidate(owner)

    response = _post(client, phone="12345")

    assert response.status_code == 422
    assert "人脸验证一直失败" in response.text


def test_submitting_the_same_form_twice_files_one_ticket(
    client, db_session, owner, sign_in_candidate
):
    sign_in_candidate(owner)

    first = _post(client, key="form-key-123456")
    second = _post(client, key="form-key-123456")

    assert first.headers["Location"] == second.headers["Location"]
    assert _count(db_session) == 1


def test_a_download_is_an_attachment_with_its_chinese_name_and_nosniff(
    client, owner, sign_in_candidate
):
    sign_in_candidate(owner)
    created = _post(client, attachments=[_file(PNG, "登录 截图.png")])
    page = client.get(created.headers["Location"]).text
    link = re.search(r'href="(/tickets/[^"]+/attachments/[^"]+)"', page).group(1)

    response = client.get(link)

    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%99%BB%E5%BD%95%20%E6%88%AA%E5%9B%BE.png" in disposition


def test_the_form_first_asks_what_the_problem_is_about(client, owner, sign_in_candidate):
    sign_in_candidate(owner)

    page = client.get("/tickets/new")

    assert page.status_code == 200
    assert "/tickets/new?category=face_verification" in page.text


def test_control_characters_are_dropped_and_page_breaks_become_spaces():
    from helpdesk.tickets.services import clean_text

    assert clean_text(" 第一行\x0b第二行\x0c完\x00\x07 ", field="body") == "第一行 第二行 完"
