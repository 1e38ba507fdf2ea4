"""The one fake the twilio tests share: twilio's own HTTP transport replaced, nothing else.

The twilio library builds every request itself (URL, form fields, auth); this records the
exact request and answers with queued responses, so tests assert what would go on the wire.
"""

from __future__ import annotations

import json
import logging

from twilio.http import HttpClient
from twilio.http.response import Response


class RecordingHttpClient(HttpClient):
    def __init__(
        self, default: tuple[int, dict] = (201, {"sid": "SM42", "status": "queued"})
    ) -> None:
        super().__init__(logging.getLogger("twilio.test"), is_async=False, timeout=5)
        self.requests: list[dict] = []
        #: Answers for the next requests, in order: (status, body) or an exception to raise.
        self.answers: list[object] = []
        self.default = default

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append(
            {"method": method, "uri": uri, "params": params, "data": data, "auth": auth}
        )
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return Response(status, json.dumps(body))


#: The account the call tests place calls from, and the desk's public address.
SID = "AC00000000000000000000000000000001"
TOKEN = "twilio-test-token"
PUBLIC = "https://desk.example.cn"


def calls_client() -> RecordingHttpClient:
    """A recording client whose default answer is a queued call."""
    return RecordingHttpClient(default=(201, {"sid": "CA1", "status": "queued"}))
