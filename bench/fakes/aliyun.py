"""A fake of the Aliyun APIs the desk uses, for rehearsals and tests: SMS (SendSms,
QuerySendDetails, API 2017-05-25) and the cloud contact center (StartBack2BackCall,
ListCallDetailRecords, API 2020-07-01), answering the official SDKs on one address
(HELPDESK_ALIYUN_SMS_ENDPOINT and HELPDESK_ALIYUN_CCC_ENDPOINT pointed at it).

    python -m bench.fakes.aliyun --port 8191

The SDKs sign every request (ACS3-HMAC-SHA256); the fake checks that a signature is there
and reads the action from the x-acs-action header and the parameters from the query.
A placed call rings for a moment, then its call detail record appears (one candidate
number in ten never answers: EarlyMediaState=NoAnswer; the others are answered and talk
for `--talk-seconds`). Modes, switched with `POST /_fake/mode?mode=...`:

- ok: as above;
- error: every API request answers 500 (ServiceUnavailable);
- hang: StartBack2BackCall and SendSms do their work but answer only after 25 s
  (clients time out, so the call or the message exists while the desk does not know);
- triple: as ok, but every call record is listed three times, and SendSms answers the
  first try of each message isv.BUSINESS_LIMIT_CONTROL (throttled).

`GET /_fake/state` returns what happened: calls, messages, API requests, problems.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The two lines as the contact center writes them (the organizer's own numbers).
WHITELIST = {"02863201710", "02862093080"}
HANG_SECONDS = 25.0


class FakeAliyun(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, talk_seconds: float = 2.0, ring_seconds: float = 0.5) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.talk_seconds = talk_seconds
        self.ring_seconds = ring_seconds
        self.mode = "ok"
        self.lock = threading.Lock()
        self.calls: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.throttled: set[str] = set()
        self.api_requests: list[dict[str, Any]] = []
        self.problems: list[str] = []

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "mode": self.mode,
                "calls": list(self.calls.values()),
                "messages": list(self.messages.values()),
                "api_requests": list(self.api_requests),
                "problems": list(self.problems),
            }

    # -- the actions ---------------------------------------------------------------------
    def act(self, action: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        handler = {
            "SendSms": self.send_sms,
            "QuerySendDetails": self.query_send_details,
            "StartBack2BackCall": self.start_call,
            "ListCallDetailRecords": self.list_records,
        }.get(action)
        if handler is None:
            return 404, {"Code": "InvalidAction.NotFound", "Message": action, "RequestId": _rid()}
        return handler(params)

    def send_sms(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        key = "|".join(params.get(k, "") for k in ("PhoneNumbers", "TemplateCode", "TemplateParam"))
        with self.lock:
            if self.mode == "triple" and key not in self.throttled:
                self.throttled.add(key)
                return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}
            biz = f"{secrets.randbelow(10**18):018d}^0"
            self.messages[biz] = {
                "biz_id": biz,
                "phone": params.get("PhoneNumbers", ""),
                "sign_name": params.get("SignName", ""),
                "template_code": params.get("TemplateCode", ""),
                "template_param": params.get("TemplateParam", ""),
                "out_id": params.get("OutId", ""),
                "sent_at": time.time(),
            }
            if not params.get("SignName") or not params.get("TemplateCode", "").startswith("SMS_"):
                self.problems.append(f"SMS {biz} without a signature or a template code")
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz, "RequestId": _rid()}

    def query_send_details(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            messages = [
                m
                for m in self.messages.values()
                if m["phone"] == params.get("PhoneNumber")
                and params.get("BizId", m["biz_id"]) == m["biz_id"]
            ]
        rows = []
        for message in messages:
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(message["sent_at"] + 8 * 3600))
            rows.append(
                {
                    "PhoneNum": message["phone"],
                    "SendStatus": 3,
                    "ErrCode": "DELIVERED",
                    "TemplateCode": message["template_code"],
                    "OutId": message["out_id"],
                    "SendDate": at,
                    "ReceiveDate": at,
                }
            )
        return 200, {
            "Code": "OK",
            "RequestId": _rid(),
            "TotalCount": len(rows),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
        }

    def start_call(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        job = "job-" + secrets.token_hex(8)
        call = {
            "job_id": job,
            "instance": params.get("InstanceId", ""),
            "caller": params.get("Caller", ""),
            "callee": params.get("Callee", ""),
            "broker": params.get("Broker", ""),
            "placed_at": time.time(),
            "mode": self.mode,
        }
        with self.lock:
            self.calls[job] = call
            if call["broker"] not in WHITELIST:
                self.problems.append(f"{job}: shows {call['broker'] or 'no number'}")
            if not call["caller"]:
                self.problems.append(f"{job}: no agent to ring first")
        return 200, {
            "Code": "OK",
            "HttpStatusCode": 200,
            "RequestId": _rid(),
            "Data": {"CallContext": {"JobId": job, "InstanceId": call["instance"]}},
        }

    def record_of(self, call: dict[str, Any], now: float) -> dict[str, Any] | None:
        """The call detail record, once the call has ended; None while it goes on."""
        silent = int(hashlib.sha256(call["callee"].encode()).hexdigest(), 16) % 10 == 0
        ends = call["placed_at"] + self.ring_seconds + (0 if silent else self.talk_seconds)
        if now < ends:
            return None
        start = int(call["placed_at"] * 1000)
        return {
            "ContactId": call["job_id"],
            "InstanceId": call["instance"],
            "CallingNumber": call["caller"],
            "CalledNumber": call["callee"],
            "Broker": call["broker"],
            "ContactType": "OUTBOUND",
            "ContactDisposition": "NoAnswer" if silent else "Success",
            "EarlyMediaState": "NoAnswer" if silent else "",
            "EstablishedTime": None if silent else start + int(self.ring_seconds * 1000),
            "StartTime": start,
            "ReleaseTime": int(ends * 1000),
        }

    def list_records(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        now, rows = time.time(), []
        since = int(params.get("StartTime") or 0) / 1000
        with self.lock:
            calls = list(self.calls.values())
        for call in calls:
            if params.get("ContactId") and call["job_id"] != params["ContactId"]:
                continue
            if params.get("CallingNumber") and call["caller"] != params["CallingNumber"]:
                continue
            if params.get("CalledNumber") and call["callee"] != params["CalledNumber"]:
                continue
            if call["placed_at"] < since:
                continue
            record = self.record_of(call, now)
            if record is not None:
                rows.extend([record] * (3 if self.mode == "triple" else 1))
        rows.sort(key=lambda r: -int(r["StartTime"]))
        size = int(params.get("PageSize") or 10)
        data = {"PageNumber": 1, "PageSize": size, "TotalCount": len(rows), "List": rows[:size]}
        return 200, {"Code": "OK", "HttpStatusCode": 200, "RequestId": _rid(), "Data": data}


def _rid() -> str:
    return secrets.token_hex(8).upper()


class Handler(BaseHTTPRequestHandler):
    server: FakeAliyun
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _json(self, status: int, payload: object) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if urllib.parse.urlsplit(self.path).path == "/_fake/state":
            self._json(200, self.server.state())
        else:
            self._json(404, {"Code": "NotFound"})

    def do_POST(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_fake/mode":
            self.server.mode = urllib.parse.parse_qs(url.query).get("mode", ["ok"])[0]
            self._json(200, {"mode": self.server.mode})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = {**dict(urllib.parse.parse_qsl(url.query)), **dict(urllib.parse.parse_qsl(body))}
        action = self.headers.get("x-acs-action") or params.get("Action", "")
        mode = self.server.mode
        with self.server.lock:
            self.server.api_requests.append({"at": time.time(), "mode": mode, "action": action})
        if not self.headers.get("Authorization"):
            self._json(400, {"Code": "MissingSignature", "RequestId": _rid()})
            return
        if mode == "error":
            self._json(503, {"Code": "ServiceUnavailable", "Message": "busy", "RequestId": _rid()})
            return
        status, payload = self.server.act(action, params)
        if mode == "hang" and action in ("SendSms", "StartBack2BackCall"):
            time.sleep(HANG_SECONDS)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._json(status, payload)


def serve(port: int, talk_seconds: float = 2.0) -> FakeAliyun:
    """Start the fake on a thread (tests); stop it with server.shutdown()."""
    server = FakeAliyun(port, talk_seconds)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    ).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8191)
    parser.add_argument("--talk-seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    server = FakeAliyun(args.port, args.talk_seconds)
    print(f"fake aliyun on 127.0.0.1:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
