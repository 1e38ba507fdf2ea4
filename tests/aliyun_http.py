"""The one fake the Aliyun tests share: the SDK's HTTP transport replaced, nothing else.

The official SDKs (darabonba / tea-openapi) build and sign every request themselves and
hand it to `DaraCore.do_action`, the function that puts it on the wire with requests; this
records the exact request and answers with queued responses, so tests assert what would
be sent (action, version, query parameters, form body) and how answers are read.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from darabonba.core import DaraCore
from darabonba.exceptions import RetryError
from darabonba.response import DaraResponse


class RecordingTransport:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        #: Answers for the next requests, in order: (status, body) or an exception to raise.
        self.answers: list[object] = []
        self.default: tuple[int, dict] = (200, {"Code": "OK", "RequestId": "R0"})

    def do_action(self, request, runtime_option=None) -> DaraResponse:
        url = DaraCore.compose_url(request)
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        self.requests.append(
            {
                "method": request.method,
                "url": url.split("?")[0],
                "action": request.headers.get("x-acs-action"),
                "version": request.headers.get("x-acs-version"),
                "query": dict(parse_qsl(urlsplit(url).query)),
                "form": dict(parse_qsl(body)) if body else {},
                "signed": "authorization" in {k.lower() for k in request.headers},
                "read_timeout": (runtime_option or {}).get("readTimeout"),
            }
        )
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, Exception):
            raise answer
        status, payload = answer
        response = DaraResponse()
        response.status_code, response.status_message = status, "OK" if status < 400 else "Error"
        response.headers = {"content-type": "application/json"}
        response.body = json.dumps(payload).encode()
        return response

    def params(self, n: int = -1) -> dict:
        """Query and form parameters of the n-th request, merged (RPC style sends either)."""
        request = self.requests[n]
        return {**request["query"], **request["form"]}


def timeout() -> RetryError:
    """What the SDK's transport raises when requests times out (an IOError, wrapped)."""
    return RetryError("HTTPSConnectionPool: Read timed out. (read timeout=10)")


def install(monkeypatch: pytest.MonkeyPatch) -> RecordingTransport:
    """Replace the SDK's transport for one test (the aliyun_http fixtures call this)."""
    transport = RecordingTransport()
    monkeypatch.setattr(DaraCore, "do_action", staticmethod(transport.do_action))
    return transport
