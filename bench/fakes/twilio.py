"""A fake Twilio REST API and call lifecycle, for rehearsals (HELPDESK_TWILIO_API_BASE).

    python -m bench.fakes.twilio --port 8190 --auth-token TOKEN

It accepts `Calls.json` creates, then plays the call as Twilio would: status callbacks
(initiated, ringing, in-progress), the voice webhook (whose TwiML must dial from a
whitelisted caller ID), the <Dial> action with DialCallStatus=completed and the final
`completed` status, each signed with X-Twilio-Signature. Modes, switched with
`POST /_fake/mode?mode=...`:

- ok: as above (one candidate number in ten never answers: DialCallStatus=no-answer);
- error: every API request answers 500;
- hang: the call is created but the answer comes only after 25 s (clients time out);
- triple: as ok, but every status callback is delivered three times, shuffled.

`GET /_fake/state` returns what happened: calls per attempt, deliveries and their answers.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import random
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator

from bench.harness.http import request

WHITELIST = {"+862863201710", "+862862093080"}
STATUSES = ("initiated", "ringing", "in-progress", "completed")


class FakeTwilio(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, auth_token: str, talk_seconds: float) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.validator = RequestValidator(auth_token)
        self.talk_seconds = talk_seconds
        self.mode = "ok"
        self.lock = threading.Lock()
        self.calls: dict[str, dict[str, object]] = {}
        self.api_requests: list[dict[str, object]] = []
        self.deliveries: list[dict[str, object]] = []
        self.problems: list[str] = []

    def state(self) -> dict[str, object]:
        with self.lock:
            per_attempt: dict[str, int] = {}
            for call in self.calls.values():
                attempt = str(call["attempt"])
                per_attempt[attempt] = per_attempt.get(attempt, 0) + 1
            return {
                "mode": self.mode,
                "calls": list(self.calls.values()),
                "calls_per_attempt": per_attempt,
                "api_requests": self.api_requests,
                "deliveries": self.deliveries,
                "problems": self.problems,
            }

    # -- the call lifecycle --------------------------------------------------------------
    def deliver(self, url: str, params: dict[str, str], what: str) -> str:
        signature = self.validator.compute_signature(url, params)
        answer = request(
            "POST", url, timeout=15, form=params, headers={"X-Twilio-Signature": signature}
        )
        status = answer.status
        body = answer.text if 200 <= status < 400 else ""
        with self.lock:
            self.deliveries.append(
                {
                    "at": time.time(),
                    "what": what,
                    "sid": params.get("CallSid"),
                    "status": params.get("CallStatus") or params.get("DialCallStatus"),
                    "answer": status,
                }
            )
        return body

    def play(self, sid: str, triple: bool) -> None:
        call = self.calls[sid]
        base = {
            "AccountSid": str(call["account"]),
            "CallSid": sid,
            "From": str(call["from"]),
            "To": str(call["to"]),
            "Direction": "outbound-api",
        }
        status_url = str(call["status_callback"])
        order = list(STATUSES)
        if triple:
            order = [s for s in STATUSES for _ in range(3)]
            random.shuffle(order)
        else:
            order = order[:3]
        time.sleep(0.3)
        if not triple:
            for status in order:
                self.deliver(status_url, {**base, "CallStatus": status}, "status")
                time.sleep(0.2)
        twiml = self.deliver(str(call["url"]), {**base, "CallStatus": "in-progress"}, "voice")
        caller = re.search(r'callerId="([^"]+)"', twiml)
        # No <Dial> is fine (the desk hangs up on a request already handled).
        if "<Dial" in twiml and (caller is None or caller.group(1) not in WHITELIST):
            with self.lock:
                self.problems.append(
                    f"{sid}: voice TwiML dials from {caller.group(1) if caller else 'no caller ID'}"
                )
        action = re.search(r'action="([^"]+)"', twiml)
        number = re.search(r"<Number>([^<]+)</Number>", twiml)
        # One candidate in ten never picks up (the same one every attempt).
        silent = (
            number is not None
            and int(hashlib.sha256(number.group(1).encode()).hexdigest(), 16) % 10 == 0
        )
        time.sleep(self.talk_seconds)
        if action:
            self.deliver(
                action.group(1).replace("&amp;", "&"),
                {
                    **base,
                    "DialCallStatus": "no-answer" if silent else "completed",
                    "DialCallDuration": "0" if silent else "60",
                },
                "dial",
            )
        call["status"] = "completed"
        if triple:
            for status in order:
                self.deliver(status_url, {**base, "CallStatus": status}, "status")
        else:
            self.deliver(status_url, {**base, "CallStatus": "completed"}, "status")


class Handler(BaseHTTPRequestHandler):
    server: FakeTwilio
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _json(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _call_json(self, call: dict[str, object]) -> dict[str, object]:
        return {
            "sid": call["sid"],
            "account_sid": call["account"],
            "to": call["to"],
            "from": call["from"],
            "status": call["status"],
            "direction": "outbound-api",
            "date_created": None,
            "uri": f"/2010-04-01/Accounts/{call['account']}/Calls/{call['sid']}.json",
        }

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path)
        if path.path == "/_fake/mode":
            self.server.mode = urllib.parse.parse_qs(path.query).get("mode", ["ok"])[0]
            self._json(200, {"mode": self.server.mode})
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Calls\.json", path.path)
        mode = self.server.mode
        with self.server.lock:
            self.server.api_requests.append({"at": time.time(), "mode": mode, "path": path.path})
        if match is None:
            self._json(404, {"code": 20404, "message": "not found", "status": 404})
            return
        if mode == "error":
            self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
            return
        attempt = str(form.get("Url", "")).rstrip("/").rsplit("/", 1)[-1]
        sid = "CA" + secrets.token_hex(16)
        call: dict[str, object] = {
            "sid": sid,
            "account": match.group(1),
            "to": form.get("To", ""),
            "from": form.get("From", ""),
            "url": form.get("Url", ""),
            "status_callback": form.get("StatusCallback", ""),
            "status": "queued",
            "attempt": attempt,
            "created_at": time.time(),
            "mode": mode,
        }
        if call["from"] not in WHITELIST:
            with self.server.lock:
                self.server.problems.append(f"{sid}: placed from {call['from']}")
        with self.server.lock:
            self.server.calls[sid] = call
        threading.Thread(target=self.server.play, args=(sid, mode == "triple"), daemon=True).start()
        if mode == "hang":
            time.sleep(25)
        self._json(201, self._call_json(call))

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path)
        if path.path == "/_fake/state":
            self._json(200, self.server.state())
            return
        if self.server.mode == "error":
            self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
            return
        one = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\.json", path.path)
        if one:
            call = self.server.calls.get(one.group(2))
            if call is None:
                self._json(404, {"code": 20404, "message": "not found", "status": 404})
            else:
                self._json(200, self._call_json(call))
            return
        many = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Calls\.json", path.path)
        if many:
            query = dict(urllib.parse.parse_qsl(path.query))
            with self.server.lock:
                found = [
                    self._call_json(c)
                    for c in self.server.calls.values()
                    if c["to"] == query.get("To", c["to"])
                    and c["from"] == query.get("From", c["from"])
                ]
            found.reverse()
            self._json(
                200,
                {
                    "calls": found[: int(query.get("PageSize", 50))],
                    "first_page_uri": path.path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "page": 0,
                    "page_size": 50,
                    "start": 0,
                    "end": len(found),
                    "uri": path.path,
                },
            )
            return
        self._json(404, {"code": 20404, "message": "not found", "status": 404})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--talk-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    server = FakeTwilio(args.port, args.auth_token, args.talk_seconds)
    print(f"fake twilio on 127.0.0.1:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
