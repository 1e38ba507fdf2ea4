"""What a build may carry: the desk a double-clicked agent reports to.

``python diagnostics/build.py dist --server https://desk.example.cn`` (and the PyInstaller spec
with ``HELPDESK_AGENT_SERVER`` set) put ``defaults.json`` into the package, so a candidate who
double-clicks the agent reaches the desk without typing ``--server``. A source checkout has no
such file and behaves as before.
"""

from __future__ import annotations

import json
import pkgutil

DEFAULTS_FILE = "defaults.json"


def default_server() -> str | None:
    """The desk address baked into this build, or None."""
    try:
        raw = pkgutil.get_data("diagnostics", DEFAULTS_FILE)
    except (OSError, ValueError):
        return None
    if not raw:
        return None
    try:
        value = json.loads(raw.decode("utf-8")).get("server")
    except (ValueError, AttributeError, UnicodeDecodeError):
        return None
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value.rstrip("/")
    return None
