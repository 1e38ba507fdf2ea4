"""Aliyun SMS (短信服务, API 2017-05-25) through its official SDK: SendSms with the kind's
approved template code, the registered signature and the parameters as JSON; delivery
receipts read back with QuerySendDetails (the `notify.check_receipts` job).

Why Aliyun: the same account, AccessKey and RAM policy also run the contact center that
places the desk's calls from the organizer's 028 numbers (telephony/aliyun.py), so an
organizer arranges one vendor, one contract and one set of approvals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from functools import cached_property, partial
from typing import Any

from Tea.exceptions import TeaException

from helpdesk.aliyun_client import error_code, runtime, sdk_config
from helpdesk.notify.port import NotifierError, Receipt, Sms

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
#: A provider id found by our OutId (QuerySendDetails does not name the BizId).
OUT_ID = "out:"
BEIJING = timezone(timedelta(hours=8))
#: Refusals that trying again cannot cure: the message fails at once, for staff to see.
PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",  # not a valid mobile number
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.SMS_TEMPLATE_ILLEGAL",  # template code unknown or not approved
    "isv.SMS_SIGNATURE_ILLEGAL",  # signature unknown or not approved
    "isv.SMS_SIGN_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT",  # a word the carrier blocks
    "isv.SMS_CONTENT_ILLEGAL",
    "isp.RAM_PERMISSION_DENY",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
}
#: Throttling (one message a minute, five an hour, ten a day to one number by default),
#: balance and service outages are tried again with backoff.
THROTTLED = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User"}


def national(number: str) -> str:
    """+8613800138000 -> 13800138000 (Aliyun takes mainland numbers without +86)."""
    return number[3:] if number.startswith("+86") else number.lstrip("+")


class AliyunSmsNotifier:
    """Sends each kind's approved template; refuses a kind with no template code."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        template_codes: Mapping[str, str],
        endpoint: str = DEFAULT_ENDPOINT,
        timeout_seconds: float = 10.0,
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
        self.sign_name = sign_name
        self.template_codes = dict(template_codes)

    @cached_property
    def client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client

        return Client(self._config())

    def send(self, sms: Sms) -> str:
        code = self.template_codes.get(sms.kind)
        if not code:
            raise NotifierError(f"no template code for {sms.kind}", permanent=True)
        from alibabacloud_dysmsapi20170525 import models

        request = models.SendSmsRequest(
            phone_numbers=national(sms.to),
            sign_name=self.sign_name,
            template_code=code,
            template_param=json.dumps(sms.params, ensure_ascii=False, sort_keys=True),
            out_id=sms.ref or None,
        )
        body = self._call(self.client.send_sms_with_options, request)
        if body.code != "OK":
            raise _refusal(str(body.code))
        return str(body.biz_id)

    def find_sent(self, sms: Sms, *, since: datetime) -> str | None:
        """Whether Aliyun accepted the message with OutId sms.ref (a send that timed out)."""
        if not sms.ref:
            return None
        for detail in self._details(to=sms.to, day=since, biz_id=None):
            if str(detail.out_id or "") == sms.ref:
                return OUT_ID + sms.ref
        return None

    def receipt(self, *, provider_id: str, to: str, sent_at: datetime) -> Receipt | None:
        """The delivery receipt of one sent message; None while the carrier has none."""
        out_id = provider_id[len(OUT_ID) :] if provider_id.startswith(OUT_ID) else None
        details = self._details(to=to, day=sent_at, biz_id=None if out_id else provider_id)
        for detail in details:
            if out_id is not None and str(detail.out_id or "") != out_id:
                continue
            # SendStatus: 1 waiting for the carrier, 2 failed, 3 delivered.
            if detail.send_status not in (2, 3):
                continue
            at = _beijing(detail.receive_date) or _beijing(detail.send_date) or sent_at
            return Receipt(detail.send_status == 3, str(detail.err_code or ""), at)
        return None

    def _details(self, *, to: str, day: datetime, biz_id: str | None) -> list[Any]:
        from alibabacloud_dysmsapi20170525 import models

        request = models.QuerySendDetailsRequest(
            phone_number=national(to),
            biz_id=biz_id,
            send_date=day.astimezone(BEIJING).strftime("%Y%m%d"),
            page_size=50 if biz_id is None else 10,
            current_page=1,
        )
        body = self._call(self.client.query_send_details_with_options, request)
        if body.code != "OK":
            raise _refusal(str(body.code))
        found = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
        return list(found or [])

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, runtime()).body
        except TeaException as exc:
            code = error_code(exc)
            if code is None:  # no answer: the message may have gone out
                raise NotifierError("timeout", unsure=True) from exc
            raise _refusal(code) from exc
        except OSError as exc:
            raise NotifierError(type(exc).__name__, unsure=True) from exc


def _refusal(code: str) -> NotifierError:
    return NotifierError(code, permanent=code in PERMANENT)


def _beijing(text: str | None) -> datetime | None:
    """'2023-01-10 11:30:05' (Beijing time, as Aliyun reports) -> aware UTC."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return None
