"""gunicorn's settings for one app server of the desk (docs/deploy.md):

    .venv/bin/gunicorn -c gunicorn.conf.py wsgi:app

Every value comes from config.server_from_env() (HELPDESK_BIND, HELPDESK_WORKERS, ...);
a command-line flag still overrides it. Logs are JSON lines on stderr (gunicorn's own) and
stdout (the access log), with ID numbers and phone numbers masked. Prometheus counters are
kept per worker in PROMETHEUS_MULTIPROC_DIR and added up by GET /metrics; that folder
belongs to this one gunicorn and is emptied when it starts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from config import server_from_env

_server = server_from_env()

bind = str(_server["bind"])
workers = _server["workers"]
threads = _server["threads"]
# Threads only help a worker that waits on the database: gthread as soon as there are two.
worker_class = "gthread" if int(str(threads)) > 1 else "sync"
timeout = _server["timeout"]
graceful_timeout = _server["graceful_timeout"]
# Longer than nginx's upstream keepalive_timeout (60 s), so nginx closes idle connections
# first and never sends a request on one gunicorn is closing.
keepalive = _server["keepalive"]
# Workers are replaced after this many requests (staggered), so a slow leak never grows.
max_requests = _server["max_requests"]
max_requests_jitter = max(1, int(str(max_requests)) // 10) if max_requests else 0
forwarded_allow_ips = str(_server["forwarded_allow_ips"])

# What a request may send before the app sees it (bodies are limited by the app's
# HELPDESK_MAX_CONTENT_LENGTH and nginx's client_max_body_size): the request line (path and
# query string) in bytes, the number of header fields and the size of each.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

logger_class = "helpdesk.accesslog.JsonLogger"
accesslog = _server["access_log"]
errorlog = "-"
loglevel = "info"

_made_metrics_dir = not _server["metrics_dir"]
_metrics_dir = str(_server["metrics_dir"]) or tempfile.mkdtemp(prefix="helpdesk-metrics-")
# Set before any worker imports prometheus_client, which reads it once at import.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server: Any) -> None:
    """Start with no counters: what a previous run left would be added to this one's."""
    os.makedirs(_metrics_dir, exist_ok=True)
    for entry in os.scandir(_metrics_dir):
        if entry.is_file() and entry.name.endswith(".db"):
            os.unlink(entry.path)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _made_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
