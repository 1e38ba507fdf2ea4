"""Aliyun cloud contact center (云联络中心, API 2020-07-01) through its official SDK:
StartBack2BackCall rings the agent first (their seat or phone), then the candidate, showing
one of the organizer's two whitelisted 028 lines (imported into the instance as the
organizer's own numbers). How each call went is read from its call detail record
(ListCallDetailRecords): by the callbacks job that follows calls, and by `settle unknown`
for calls whose placing timed out.

The SDK's own retries are off (helpdesk.aliyun_client): a StartBack2BackCall sent twice
would ring the candidate twice, so a request without an answer makes the attempt
`unknown`, settled later from the records, never placed again blindly.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import Any

from Tea.exceptions import TeaException

from config import ConfigError
from helpdesk.aliyun_client import error_code, runtime, sdk_config
from helpdesk.clock import utcnow
from helpdesk.identity.models import Staff
from helpdesk.telephony.port import CallRecord, DialerRefused, DialResult, ProviderCall
from helpdesk.telephony.states import CallState, ccc_record

log = logging.getLogger(__name__)
DEFAULT_ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"
#: Carriers let a platform call one callee at most once a minute (the default rule).
DEFAULT_CALLEE_GAP_SECONDS = 60


def national(number: str) -> str:
    """+8613800138000 -> 13800138000, +862863201710 -> 02863201710 (as CCC writes them)."""
    if not number.startswith("+86"):
        return number
    rest = number[3:]
    return rest if rest.startswith("1") else "0" + rest


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class AliyunCccDialer:
    """Agent first, then the candidate, from one of the whitelisted lines (the Broker)."""

    kind = "aliyun"
    needs_agent_phone = True
    #: agent_of() rings the agent's seat when they have one, else their phone.
    uses_seat = True

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        instance_id: str,
        endpoint: str = DEFAULT_ENDPOINT,
        timeout_seconds: float = 10.0,
        ring_seconds: int = 30,
    ) -> None:
        # The SDK (and its HTTP stack) loads on the first request sent, not in every web
        # worker that never sends one.
        self._config = partial(
            sdk_config,
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            endpoint=endpoint or DEFAULT_ENDPOINT,
            timeout_seconds=timeout_seconds,
        )
        self.instance_id = instance_id
        self.ring_seconds = ring_seconds

    @cached_property
    def client(self) -> Any:
        from alibabacloud_ccc20200701.client import Client

        return Client(self._config())

    def agent_of(self, staff: Staff) -> str | None:
        """The staff member's seat on the instance, else their phone."""
        return staff.seat or staff.phone

    def place_call(
        self, *, attempt_id: str, agent_phone: str | None, to: str, caller_id: str
    ) -> DialResult:
        if not agent_phone:
            raise DialerRefused("the agent has no contact-center seat or phone")
        from alibabacloud_ccc20200701 import models

        request = models.StartBack2BackCallRequest(
            instance_id=self.instance_id,
            caller=national(agent_phone),
            callee=national(to),
            broker=national(caller_id),
            timeout_seconds=self.ring_seconds,
        )
        try:
            body = self.client.start_back_2back_call_with_options(request, runtime()).body
        except TeaException as exc:
            code = error_code(exc)
            if code is None:  # no answer in time: the call may exist
                log.warning("ccc call for attempt %s unknown: %s", attempt_id, exc.message)
                return DialResult(CallState.UNKNOWN)
            raise DialerRefused(f"aliyun refused: {code}") from exc
        except OSError as exc:
            log.warning("ccc call for attempt %s unknown: %s", attempt_id, type(exc).__name__)
            return DialResult(CallState.UNKNOWN)
        if body.code != "OK":
            raise DialerRefused(f"aliyun refused: {body.code}")
        context = body.data.call_context if body.data else None
        if context is None or not context.job_id:
            return DialResult(CallState.UNKNOWN)
        return DialResult(CallState.QUEUED, str(context.job_id))

    def record(self, sid: str) -> CallRecord | None:
        """The call's detail record; None while it goes on (CCC writes it at the end)."""
        rows = self._records(contact_id=sid)
        return _as_record(rows[0]) if rows else None

    def lookup(
        self,
        *,
        sid: str | None,
        agent_phone: str | None,
        caller_id: str,
        since: datetime,
        to: str | None = None,
    ) -> ProviderCall | None:
        if sid:
            found = self.record(sid)
        elif agent_phone:
            rows = [
                r
                for r in self._records(
                    calling_number=national(agent_phone),
                    called_number=national(to) if to else None,
                    since=since,
                )
                if not r.broker or r.broker == national(caller_id)
            ]
            # The first call after the attempt started: a later one is another attempt's.
            rows.sort(key=lambda r: int(r.start_time or 0))
            found = _as_record(rows[0]) if rows else None
        else:
            return None
        return ProviderCall(found.sid, found.leg) if found else None

    def _records(
        self,
        *,
        contact_id: str | None = None,
        calling_number: str | None = None,
        called_number: str | None = None,
        since: datetime | None = None,
    ) -> list[Any]:
        start = since or utcnow() - timedelta(days=1)
        from alibabacloud_ccc20200701 import models

        request = models.ListCallDetailRecordsRequest(
            instance_id=self.instance_id,
            contact_id=contact_id,
            calling_number=calling_number,
            called_number=called_number,
            start_time=_millis(start),
            end_time=_millis(start + timedelta(days=1)),
            page_number=1,
            page_size=10,
        )
        try:
            body = self.client.list_call_detail_records_with_options(request, runtime()).body
        except TeaException as exc:
            raise OSError(f"aliyun records: {error_code(exc) or 'timeout'}") from exc
        if body.code != "OK" or body.data is None:
            raise OSError(f"aliyun records: {body.code}")
        return list(body.data.list or [])


def _as_record(row: Any) -> CallRecord:
    early = str(row.early_media_state or "")
    disposition = str(row.contact_disposition or "")
    established = bool(row.established_time)
    leg, outcome = ccc_record(
        established=established,
        early_media_state=early,
        disposition=disposition,
        candidate_dialled=established or bool(early) or disposition in ("NoAnswer", "Busy"),
    )
    word = "established" if established else (early or disposition or "released")
    return CallRecord(str(row.contact_id), leg, outcome, word[:20])


def check_retry(config: Any) -> None:
    """Refuse a retry schedule that would call one candidate more often than carriers let
    a platform call one callee (HELPDESK_ALIYUN_CCC_CALLEE_GAP_SECONDS, default 60)."""
    gap = int(config.get("ALIYUN_CCC_CALLEE_GAP_SECONDS", DEFAULT_CALLEE_GAP_SECONDS))
    retry = int(config.get("CALLBACK_RETRY_SECONDS", 60))
    if retry < gap:
        raise ConfigError(
            f"HELPDESK_CALLBACK_RETRY_SECONDS={retry} would call a candidate again sooner "
            f"than the carriers allow one callee to be called ({gap} s); set it to {gap} or more"
        )
    ring = int(config.get("ALIYUN_CCC_RING_SECONDS", 30))
    settle = int(config.get("CALLBACK_UNKNOWN_SETTLE_SECONDS", 120))
    if settle < 2 * ring + gap:
        raise ConfigError(
            f"HELPDESK_CALLBACK_UNKNOWN_SETTLE_SECONDS={settle} is too short: a call whose "
            f"placing timed out may still ring the agent and then the candidate "
            f"({ring} s each); set it to {2 * ring + gap} or more"
        )


def from_config(config: Any) -> AliyunCccDialer:
    """The contact-center dialer; refuse to start without its settings."""
    for key in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIYUN_CCC_INSTANCE_ID"):
        if not config.get(key):
            raise ConfigError(f"HELPDESK_TELEPHONY=aliyun needs HELPDESK_{key}")
    check_retry(config)
    return AliyunCccDialer(
        access_key_id=str(config["ALIYUN_ACCESS_KEY_ID"]),
        access_key_secret=str(config["ALIYUN_ACCESS_KEY_SECRET"]),
        instance_id=str(config["ALIYUN_CCC_INSTANCE_ID"]),
        endpoint=str(config.get("ALIYUN_CCC_ENDPOINT") or DEFAULT_ENDPOINT),
        timeout_seconds=float(config.get("ALIYUN_TIMEOUT_SECONDS", 10)),
        ring_seconds=int(config.get("ALIYUN_CCC_RING_SECONDS", 30)),
    )
