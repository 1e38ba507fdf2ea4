"""Configuration from the environment: every setting the desk reads is named here.

Each variable is documented in README.md. In development (`HELPDESK_ENV` unset or
`development`) missing secrets are generated once and kept in `instance/dev-secrets.json`
so that sessions and ID-number hashes survive restarts; in production they must be set.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"

WHITELISTED_CALLER_IDS = "+862863201710,+862862093080"


class ConfigError(RuntimeError):
    """The environment describes a configuration the desk refuses to start with."""


def _dev_secret(name: str) -> str:
    """Return a generated secret for development, stable across restarts."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "dev-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = secrets.token_urlsafe(32)
        path.write_text(json.dumps(stored))
        path.chmod(0o600)
    return str(stored[name])


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


POOLER_MODES = ("", "session", "transaction")


def _pooler(raw: str) -> str:
    mode = raw.strip().lower()
    if mode not in POOLER_MODES:
        raise ConfigError(
            f"HELPDESK_DATABASE_POOLER must be empty, session or transaction, got {raw!r}"
        )
    return mode


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    """One of allowed (the first is the default), compared without case."""
    raw = (env.get(name) or allowed[0]).strip().lower()
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def from_env(env: dict[str, str] | None = None) -> dict[str, object]:
    """Build the Flask config mapping from environment variables."""
    env = dict(os.environ if env is None else env)
    production = env.get("HELPDESK_ENV", "development") == "production"

    def secret(name: str) -> str:
        value = env.get(name)
        if value:
            return value
        if production:
            raise ConfigError(f"{name} must be set when HELPDESK_ENV=production")
        return _dev_secret(name)

    public_url = env.get("HELPDESK_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    database_url = env.get("HELPDESK_DATABASE_URL") or f"sqlite:///{INSTANCE / 'helpdesk.db'}"
    secret_key = secret("HELPDESK_SECRET_KEY")
    return {
        "HELPDESK_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "ID_HASH_KEY": secret("HELPDESK_ID_HASH_KEY"),
        "DATABASE_URL": database_url,
        "DATABASE_POOL_SIZE": _int(env, "HELPDESK_DATABASE_POOL_SIZE", 10),
        # "transaction" when PostgreSQL is reached through a transaction-mode pooler
        # (PgBouncer pool_mode = transaction, or a cloud proxy in that mode): consecutive
        # transactions may run on different server connections, so psycopg must not
        # prepare statements (prepare_threshold=None). Empty or "session": direct, or a
        # session-mode pooler, where prepared statements are safe.
        "DATABASE_POOLER": _pooler(env.get("HELPDESK_DATABASE_POOLER", "")),
        "PUBLIC_URL": public_url,
        "TIMEZONE": env.get("HELPDESK_TIMEZONE", "Asia/Shanghai"),
        "REDIS_URL": env.get("HELPDESK_REDIS_URL", ""),
        "RATELIMIT_STORAGE_URI": env.get("HELPDESK_REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "TELEPHONY": env.get("HELPDESK_TELEPHONY", "desk"),
        "CALLER_IDS": env.get("HELPDESK_CALLER_IDS", WHITELISTED_CALLER_IDS),
        "TWILIO_ACCOUNT_SID": env.get("HELPDESK_TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("HELPDESK_TWILIO_AUTH_TOKEN", ""),
        "TWILIO_API_BASE": env.get("HELPDESK_TWILIO_API_BASE", ""),
        "NOTIFIER": env.get("HELPDESK_NOTIFIER", "log"),
        "SMS_FROM": env.get("HELPDESK_SMS_FROM", ""),
        "HOTLINE": env.get("HELPDESK_HOTLINE", "400-088-0028"),
        # The organizer's candidate platform, where 智考云 and 智考通 are downloaded.
        "CANDIDATE_PLATFORM_URL": env.get(
            "HELPDESK_CANDIDATE_PLATFORM_URL", "https://vict.zhikaocn.com"
        ).strip(),
        # Aliyun (docs/callbacks.md "Reaching candidates in mainland China"): one AccessKey
        # for SMS and the contact center; endpoints may point at a local fake.
        "ALIYUN_ACCESS_KEY_ID": env.get("HELPDESK_ALIYUN_ACCESS_KEY_ID", ""),
        "ALIYUN_ACCESS_KEY_SECRET": env.get("HELPDESK_ALIYUN_ACCESS_KEY_SECRET", ""),
        "ALIYUN_TIMEOUT_SECONDS": _int(env, "HELPDESK_ALIYUN_TIMEOUT_SECONDS", 10),
        "ALIYUN_SMS_SIGN_NAME": env.get("HELPDESK_ALIYUN_SMS_SIGN_NAME", ""),
        "ALIYUN_SMS_ENDPOINT": env.get("HELPDESK_ALIYUN_SMS_ENDPOINT", ""),
        #: kind=template code pairs, e.g. "unreachable=SMS_1,ticket_reply=SMS_2,...".
        "SMS_TEMPLATE_CODES": env.get("HELPDESK_SMS_TEMPLATE_CODES", ""),
        "UPLOAD_DIR": env.get("HELPDESK_UPLOAD_DIR", str(INSTANCE / "uploads")),
        # Compiled templates (helpdesk/template_cache.py): "" Jinja's private temporary
        # folder, "off" none.
        "TEMPLATE_CACHE_DIR": env.get("HELPDESK_TEMPLATE_CACHE_DIR", ""),
        "TICKET_SLA_URGENT_MINUTES": _int(env, "HELPDESK_TICKET_SLA_URGENT_MINUTES", 15),
        "TICKET_SLA_OTHER_HOURS": _int(env, "HELPDESK_TICKET_SLA_OTHER_HOURS", 24),
        # The callback queue (docs/callbacks.md).
        "CALLBACK_CLAIM_SECONDS": _int(env, "HELPDESK_CALLBACK_CLAIM_SECONDS", 90),
        "CALLBACK_RETRY_SECONDS": _int(env, "HELPDESK_CALLBACK_RETRY_SECONDS", 60),
        "CALLBACK_MAX_ATTEMPTS": _int(env, "HELPDESK_CALLBACK_MAX_ATTEMPTS", 3),
        "CALLBACK_CLOSE_GRACE_MINUTES": _int(env, "HELPDESK_CALLBACK_CLOSE_GRACE_MINUTES", 30),
        "CALLBACK_CALLS_PER_MINUTE": _int(env, "HELPDESK_CALLBACK_CALLS_PER_MINUTE", 30),
        "CALLBACK_DEFAULT_CALL_SECONDS": _int(env, "HELPDESK_CALLBACK_DEFAULT_CALL_SECONDS", 180),
        "CALLBACK_UNKNOWN_SETTLE_SECONDS": _int(
            env, "HELPDESK_CALLBACK_UNKNOWN_SETTLE_SECONDS", 120
        ),
        "CALLBACK_PRIOR_CALLS": _int(env, "HELPDESK_CALLBACK_PRIOR_CALLS", 20),
        "CALLBACK_PICKUP_SECONDS": _int(env, "HELPDESK_CALLBACK_PICKUP_SECONDS", 30),
        "CALLBACK_PRESENCE_SECONDS": _int(env, "HELPDESK_CALLBACK_PRESENCE_SECONDS", 45),
        "TWILIO_TIMEOUT_SECONDS": _int(env, "HELPDESK_TWILIO_TIMEOUT_SECONDS", 10),
        # HELPDESK_TELEPHONY=aliyun: the contact-center instance that holds the two lines.
        "ALIYUN_CCC_INSTANCE_ID": env.get("HELPDESK_ALIYUN_CCC_INSTANCE_ID", ""),
        "ALIYUN_CCC_ENDPOINT": env.get("HELPDESK_ALIYUN_CCC_ENDPOINT", ""),
        "ALIYUN_CCC_RING_SECONDS": _int(env, "HELPDESK_ALIYUN_CCC_RING_SECONDS", 30),
        #: The carriers' shortest gap between two calls to one callee.
        "ALIYUN_CCC_CALLEE_GAP_SECONDS": _int(env, "HELPDESK_ALIYUN_CCC_CALLEE_GAP_SECONDS", 60),
        # The post-exam upload follow-up (docs/uploads.md).
        "UPLOAD_FOLLOWUP_GRACE_MINUTES": _int(env, "HELPDESK_UPLOAD_FOLLOWUP_GRACE_MINUTES", 30),
        "UPLOAD_FOLLOWUP_HORIZON_HOURS": _int(env, "HELPDESK_UPLOAD_FOLLOWUP_HORIZON_HOURS", 72),
        "UPLOAD_FOLLOWUP_KINDS": env.get("HELPDESK_UPLOAD_FOLLOWUP_KINDS", "formal"),
        # Readiness reminders (docs/reminders.md): no SMS in the quiet hours (Beijing time,
        # from START to END o'clock; held until they end); automatic reminders this many hours
        # before the download window closes and before the last mock day ends; the pages the
        # messages link to (no personal data in them; sign-in still required).
        "REMINDER_QUIET_START_HOUR": _int(env, "HELPDESK_REMINDER_QUIET_START_HOUR", 21),
        "REMINDER_QUIET_END_HOUR": _int(env, "HELPDESK_REMINDER_QUIET_END_HOUR", 8),
        "REMINDER_DOWNLOAD_OFFSETS_HOURS": env.get(
            "HELPDESK_REMINDER_DOWNLOAD_OFFSETS_HOURS", "24,3"
        ),
        "REMINDER_MOCK_OFFSETS_HOURS": env.get("HELPDESK_REMINDER_MOCK_OFFSETS_HOURS", "24,3"),
        "REMINDER_CATCH_UP_MINUTES": _int(env, "HELPDESK_REMINDER_CATCH_UP_MINUTES", 60),
        "REMINDER_CHECK_URL": env.get("HELPDESK_REMINDER_CHECK_URL", f"{public_url}/readiness"),
        "REMINDER_UPLOADS_URL": env.get(
            "HELPDESK_REMINDER_UPLOADS_URL", f"{public_url}/uploads/help"
        ),
        "REMINDER_UPLOAD_DEADLINE_HOURS": _int(env, "HELPDESK_REMINDER_UPLOAD_DEADLINE_HOURS", 72),
        # Device readiness. Reports per candidate sign-in: a run uploads once (its retries
        # reuse one key). Speed tests per address, counted in MB moved (a candidate's whole
        # test moves well under 1 GB).
        "REPORT_RATE_LIMIT": env.get("HELPDESK_REPORT_RATE_LIMIT", "60 per hour"),
        "SPEEDTEST_RATE_LIMIT": env.get("HELPDESK_SPEEDTEST_RATE_LIMIT", "20000 per 10 minutes"),
        # The QR code on the device-check page: a single-use phone sign-in link.
        "PHONE_LINK_TTL_MINUTES": _int(env, "HELPDESK_PHONE_LINK_TTL_MINUTES", 10),
        "PHONE_LINKS_PER_HOUR": _int(env, "HELPDESK_PHONE_LINKS_PER_HOUR", 30),
        "TOKEN_TTL_MINUTES": _int(env, "HELPDESK_TOKEN_TTL_MINUTES", 12 * 60),
        "SIGNIN_FAILURES_PER_IDENTITY": _int(env, "HELPDESK_SIGNIN_FAILURES_PER_IDENTITY", 5),
        "SIGNIN_FAILURE_WINDOW_MINUTES": _int(env, "HELPDESK_SIGNIN_FAILURE_WINDOW_MINUTES", 15),
        "SIGNIN_FAILURES_PER_IP": _int(env, "HELPDESK_SIGNIN_FAILURES_PER_IP", 300),
        "SIGNIN_FAILURES_PER_SESSION": _int(env, "HELPDESK_SIGNIN_FAILURES_PER_SESSION", 2000),
        # Staff accounts (docs/security.md): failed sign-ins (passwords and two-factor codes)
        # per username and per address, passwords, session lifetimes, two-factor sign-in.
        "STAFF_SIGNIN_FAILURES_PER_USERNAME": _int(
            env, "HELPDESK_STAFF_SIGNIN_FAILURES_PER_USERNAME", 5
        ),
        "STAFF_SIGNIN_FAILURES_PER_IP": _int(env, "HELPDESK_STAFF_SIGNIN_FAILURES_PER_IP", 30),
        "STAFF_SIGNIN_FAILURE_WINDOW_MINUTES": _int(
            env, "HELPDESK_STAFF_SIGNIN_FAILURE_WINDOW_MINUTES", 15
        ),
        "STAFF_PASSWORD_MIN_LENGTH": _int(env, "HELPDESK_STAFF_PASSWORD_MIN_LENGTH", 12),
        "STAFF_TEMPORARY_PASSWORD_HOURS": _int(env, "HELPDESK_STAFF_TEMPORARY_PASSWORD_HOURS", 24),
        "STAFF_SESSION_IDLE_MINUTES": _int(env, "HELPDESK_STAFF_SESSION_IDLE_MINUTES", 30),
        "STAFF_SESSION_MAX_HOURS": _int(env, "HELPDESK_STAFF_SESSION_MAX_HOURS", 12),
        "TOTP_ISSUER": env.get("HELPDESK_TOTP_ISSUER", "考生技术支持服务台"),
        # Encrypts the staff's TOTP seeds at rest; the session key unless set on its own.
        "TOTP_KEY": env.get("HELPDESK_TOTP_KEY") or secret_key,
        "PROXY_HOPS": _int(env, "HELPDESK_PROXY_HOPS", 0),
        # PIPL: days after an exam session's results are published before its candidates'
        # phone numbers, ticket texts and attachments, device facts and upload events go.
        "RETENTION_DAYS": _int(env, "HELPDESK_RETENTION_DAYS", 30),
        # An attachment file with no committed row is removed once it is this old.
        "ORPHAN_FILE_GRACE_MINUTES": _int(env, "HELPDESK_ORPHAN_FILE_GRACE_MINUTES", 60),
        # Peers whose X-Forwarded-* headers are believed (addresses or networks, comma
        # separated); empty: any peer, as before (docs/deploy.md).
        "TRUSTED_PROXIES": env.get("HELPDESK_TRUSTED_PROXIES", ""),
        # Operators' view (docs/deploy.md): JSON log lines, the Prometheus endpoint.
        "LOG_FORMAT": _choice(env, "HELPDESK_LOG_FORMAT", ("json", "text")),
        "LOG_LEVEL": _choice(env, "HELPDESK_LOG_LEVEL", ("info", "debug", "warning", "error")),
        "METRICS_ALLOW": env.get("HELPDESK_METRICS_ALLOW", "127.0.0.1,::1"),
        "METRICS_TOKEN": env.get("HELPDESK_METRICS_TOKEN", ""),
        "METRICS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        "MAX_CONTENT_LENGTH": _int(env, "HELPDESK_MAX_CONTENT_LENGTH", 60 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": public_url.startswith("https://"),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env.get("HELPDESK_TIMEZONE", "Asia/Shanghai"),
        "JSON_AS_ASCII": False,
    }


def server_from_env(env: dict[str, str] | None = None) -> dict[str, object]:
    """gunicorn's settings for one app server (gunicorn.conf.py reads these; docs/deploy.md)."""
    env = dict(os.environ if env is None else env)
    workers = _int(env, "HELPDESK_WORKERS", 4)
    threads = _int(env, "HELPDESK_THREADS", 1)  # sync workers: docs/deploy.md measured why
    if workers < 1 or threads < 1:
        raise ConfigError("HELPDESK_WORKERS and HELPDESK_THREADS must be at least 1")
    access_log = env.get("HELPDESK_ACCESS_LOG", "-")
    return {
        "bind": env.get("HELPDESK_BIND", "127.0.0.1:8001"),
        "workers": workers,
        "threads": threads,
        "timeout": _int(env, "HELPDESK_WORKER_TIMEOUT", 30),
        "graceful_timeout": _int(env, "HELPDESK_GRACEFUL_TIMEOUT", 20),
        "keepalive": _int(env, "HELPDESK_KEEPALIVE_SECONDS", 75),
        "max_requests": _int(env, "HELPDESK_MAX_REQUESTS", 5000),
        # The proxies whose X-Forwarded-Proto gunicorn believes: the app's own list
        # (HELPDESK_TRUSTED_PROXIES), else this host only.
        "forwarded_allow_ips": env.get("HELPDESK_TRUSTED_PROXIES") or "127.0.0.1,::1",
        "access_log": None if access_log in ("", "off") else access_log,
        "metrics_dir": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
    }
