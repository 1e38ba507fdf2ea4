"""Security headers on every response, redirects that never leave the desk, and forwarded
headers believed only from the proxies the desk trusts."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def safe_next(target: str | None, default: str) -> str:
    """A local path to go to after sign-in; anything pointing elsewhere becomes default."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), payment=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html" or request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
    return response


class TrustedProxyFix:
    """werkzeug's ProxyFix (X-Forwarded-For/Proto/Host, `hops` proxies deep), applied only
    when the connection comes from one of `trusted` (addresses or networks; empty: any
    peer). A client that reaches an app server directly cannot choose its own address."""

    def __init__(self, app: Any, hops: int, trusted: Iterable[str]) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops)
        self.trusted = tuple(ipaddress.ip_network(t.strip(), strict=False) for t in trusted)

    def _trusts(self, peer: str | None) -> bool:
        if not self.trusted:
            return True
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self._trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def trust_proxies(app: Flask) -> None:
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        trusted = [t for t in str(app.config.get("TRUSTED_PROXIES", "")).split(",") if t.strip()]
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, hops, trusted)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    app.after_request(_headers)
