"""A request body read slowly holds no transaction: while a signed-in candidate's phone sends
the speed test's upload over a slow line, other candidates' writes succeed within a second
(the sign-in check before the view used to leave SQLite's write lock held for the upload)."""

from __future__ import annotations

import socket
import time

import requests

from tests.streams.conftest import settled, timed_candidate_sign_in

UPLOAD = 4_000_000


def test_candidates_sign_in_while_a_signed_in_candidate_uploads_the_speed_test_slowly(
    live_desk, roster
):
    exam = roster(4)
    phone = requests.Session()
    signed_in = phone.post(
        live_desk.url + "/signin", data=exam.identities[3], allow_redirects=False
    )
    assert signed_in.status_code == 302
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.get_dict().items())
    upload = socket.create_connection((live_desk.host, live_desk.port), timeout=30)
    upload.sendall(
        (
            "POST /api/v1/diagnostics/speedtest/upload HTTP/1.1\r\n"
            f"Host: {live_desk.host}:{live_desk.port}\r\n"
            f"Cookie: {cookie}\r\n"
            "Content-Type: application/octet-stream\r\n"
            f"Content-Length: {UPLOAD}\r\n\r\n"
        ).encode()
        + b"\0" * 65_536
    )
    time.sleep(0.5)  # the server is now inside the view, waiting for the rest of the body

    during = [timed_candidate_sign_in(live_desk, who) for who in exam.identities[:3]]
    held = settled(live_desk)  # the last sign-in's thread may still be closing its session
    upload.sendall(b"\0" * (UPLOAD - 65_536))
    answer = upload.recv(4096)
    upload.close()

    assert held == 0
    assert [status for status, _seconds in during] == [302, 302, 302]
    assert max(seconds for _status, seconds in during) < 1, during
    assert answer.startswith(b"HTTP/1.1 200")
