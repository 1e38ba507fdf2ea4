"""The HTTP client both Twilio adapters (SMS and calls) give the twilio library.

The library builds every request itself; this client only adds a timeout and, for
rehearsals, points the requests at another address (HELPDESK_TWILIO_API_BASE, a local fake).
"""

from __future__ import annotations

from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

TWILIO_API = "https://api.twilio.com"


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with a timeout, optionally pointed at another API address."""

    def __init__(self, base: str = "", timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self.base and url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)
