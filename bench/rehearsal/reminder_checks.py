"""The automatic readiness reminders on the compressed clock (--reminders): each calendar
moment sent once per segment, one SMS per candidate reached, and what went out."""

from __future__ import annotations

from collections import Counter

from bench.rehearsal.dbcheck import Stores
from bench.rehearsal.report import Check

#: Two moments (the two offsets) times the three readiness segments.
EXPECTED = 6


def reminder_check(stores: Stores) -> Check:
    name = "automatic reminders: each moment once per segment, one SMS per candidate reached"
    rows = [r for r in stores.reminders if r["origin"] == "automatic"]
    if not rows:
        return Check(name, False, "no automatic reminder was sent during the day")
    prefixes = {f"reminder:{r['id']}:" for r in rows}
    texts = [
        m for m in stores.sms if str(m.get("dedupe_key", "")).rsplit(":", 1)[0] + ":" in prefixes
    ]
    reached = sum(int(r["recipients"]) for r in rows)
    triggers = Counter(r["trigger"] for r in rows)
    statuses = Counter(str(m.get("status")) for m in texts)
    first = next((r for r in rows if r["segment"] == "never_ran_agent"), None)
    ok = (
        len(rows) == EXPECTED
        and max(triggers.values()) == 1
        and len(texts) == reached
        and first is not None
        and int(first["recipients"]) > 0
    )
    detail = "; ".join(
        f"{r['trigger']}: reached {r['recipients']}, skipped {r['skipped']} (once a day)"
        for r in rows
    )
    return Check(name, ok, f"{len(rows)} reminders, {len(texts)} SMS ({dict(statuses)}); {detail}")
