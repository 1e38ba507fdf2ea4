"""What the Aliyun adapters (SMS and the contact center's calls) share: the SDK client's
configuration and the reading of its errors.

The official SDKs build and sign every request themselves; this module only sets the
credentials, the timeouts and the endpoint, which may be overridden (HELPDESK_ALIYUN_*_ENDPOINT,
e.g. `http://127.0.0.1:8091` for the rehearsal's local fake), and switches the SDK's own
retries off: a call request sent twice would ring the candidate twice, and the outbox
already retries SMS with backoff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the SDK loads with the first request an adapter sends
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions


def sdk_config(
    *, access_key_id: str, access_key_secret: str, endpoint: str, timeout_seconds: float
) -> Config:
    """The SDK client's Config: endpoint `host` (HTTPS) or `http(s)://host:port`."""
    from alibabacloud_tea_openapi.utils_models import Config

    protocol, host = "https", endpoint
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        protocol, host = parts.scheme, parts.netloc
    millis = int(timeout_seconds * 1000)
    return Config(
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        endpoint=host,
        protocol=protocol,
        connect_timeout=min(millis, 5000),
        read_timeout=millis,
    )


def runtime() -> RuntimeOptions:
    """One request per call, never retried by the SDK."""
    from darabonba.runtime import RuntimeOptions

    return RuntimeOptions(autoretry=False, max_attempts=1)


def error_code(exc: BaseException) -> str | None:
    """The provider's error code of an SDK exception (None: no answer, e.g. a timeout)."""
    code: Any = getattr(exc, "code", None)
    return str(code) if code not in (None, "", "None") else None
