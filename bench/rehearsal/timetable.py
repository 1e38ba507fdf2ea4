"""The notice's exam day on a compressed clock.

The desk's clock is real, so the rehearsal does not fake time on the server: it creates a
formal exam session whose timetable starts a few seconds from now (login opens 10:10, the
exam and the login deadline at 11:00, submission at 11:10 in the notice) and schedules
the simulated candidates on the same compressed clock.

The compression is piecewise: the server only knows login_opens, starts and ends, so each
stretch of the day may run at its own speed. The quiet login window is squeezed hardest;
the first minutes after submission, when every client uploads its answers at once, run
close to real time, so the rush's request rate is what a real day of that size produces;
the evidence videos trickling in afterwards are squeezed again.
"""

from __future__ import annotations

import bisect
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: Notice minutes, counted from the moment login opens (10:10 Beijing time).
LOGIN_WINDOW_MIN = 50.0  # 10:10 -> 11:00
EXAM_MIN = 10.0  # 11:00 -> 11:10 (submission)
UPLOAD_TAIL_MIN = 30.0  # 11:10 -> 11:40: evidence videos and answer data go up
RUSH_MIN = 4.0  # 11:10 -> 11:14: every client uploads its answer data
DAY_MIN = LOGIN_WINDOW_MIN + EXAM_MIN + UPLOAD_TAIL_MIN
#: The notice minutes where the speed may change.
BREAKS = (
    0.0,
    LOGIN_WINDOW_MIN,
    LOGIN_WINDOW_MIN + EXAM_MIN,
    LOGIN_WINDOW_MIN + EXAM_MIN + RUSH_MIN,
    DAY_MIN,
)
#: Share of the real day each stretch gets: login window, exam, answer rush, the rest.
WEIGHTS = (0.20, 0.10, 0.30, 0.40)


def default_day_seconds(candidates: int) -> float:
    """0.56 s per candidate (at least 180): 1,000 candidates' answer rush then runs at
    about 1.4 times its real rate, within two shared cores."""
    return max(180.0, 0.56 * candidates)


@dataclass(frozen=True)
class Timetable:
    """Maps notice time (minutes after login opens) to wall-clock time, piecewise."""

    #: Wall-clock (time.time()) moments of the notice minutes in BREAKS.
    walls: tuple[float, ...]

    @classmethod
    def compressed(
        cls, origin: float, day_seconds: float, weights: tuple[float, ...] = WEIGHTS
    ) -> Timetable:
        if day_seconds <= 0:
            raise ValueError("day_seconds must be positive")
        total, walls = sum(weights), [origin]
        for weight in weights:
            walls.append(walls[-1] + day_seconds * weight / total)
        return cls(tuple(walls))

    @classmethod
    def linear(cls, origin: float, seconds_per_minute: float) -> Timetable:
        return cls(tuple(origin + m * seconds_per_minute for m in BREAKS))

    @property
    def origin(self) -> float:
        return self.walls[0]

    @staticmethod
    def _minutes() -> tuple[float, ...]:
        return BREAKS

    @property
    def _last(self) -> int:
        return len(BREAKS) - 2

    def _segment(self, index: int) -> tuple[float, float, float, float]:
        m, w = self._minutes(), self.walls
        return m[index], m[index + 1], w[index], w[index + 1]

    def scale_at_minute(self, minute: float) -> float:
        """Real seconds per notice minute at that notice moment."""
        index = min(self._last, max(0, bisect.bisect_right(self._minutes(), minute) - 1))
        m0, m1, w0, w1 = self._segment(index)
        return (w1 - w0) / (m1 - m0)

    def at(self, notice_minute: float) -> float:
        """Wall-clock time of a notice moment (the last stretch's speed beyond the day)."""
        index = min(self._last, max(0, bisect.bisect_right(self._minutes(), notice_minute) - 1))
        m0, m1, w0, w1 = self._segment(index)
        return w0 + (notice_minute - m0) * (w1 - w0) / (m1 - m0)

    def minute(self, wall: float) -> float:
        """Notice minute of a wall-clock moment."""
        index = min(self._last, max(0, bisect.bisect_right(self.walls, wall) - 1))
        m0, m1, w0, w1 = self._segment(index)
        return m0 + (wall - w0) * (m1 - m0) / (w1 - w0)

    def seconds(self, notice_seconds: float, wall: float | None = None) -> float:
        """Real seconds lasting notice_seconds, at the speed of the stretch `wall` is in."""
        minute = self.minute(time.time() if wall is None else wall)
        return notice_seconds * self.scale_at_minute(minute) / 60.0

    @property
    def login_opens(self) -> float:
        return self.walls[0]

    @property
    def starts(self) -> float:
        return self.walls[1]

    @property
    def ends(self) -> float:
        return self.walls[2]

    @property
    def day_ends(self) -> float:
        return self.walls[-1]

    def speedups(self) -> dict[str, float]:
        """How many times faster than the notice each stretch runs."""
        names = ("login window", "exam", "answer rush", "videos")
        return {
            name: round(60.0 / self.scale_at_minute((a + b) / 2), 1)
            for name, a, b in zip(names, BREAKS[:-1], BREAKS[1:], strict=True)
        }

    def exam_session(self, code: str, *, download_until_start: bool = False) -> dict[str, str]:
        """One entry of `flask exams import` for the compressed formal exam; with
        download_until_start the download window closes when the exam starts, so that the
        automatic reminders before it closes fall inside the compressed day (--reminders)."""

        def iso(wall: float) -> str:
            return datetime.fromtimestamp(wall, UTC).isoformat()

        opens = datetime.fromtimestamp(self.login_opens, UTC)
        closes = (
            iso(self.starts) if download_until_start else (opens - timedelta(days=5)).isoformat()
        )
        return {
            "code": code,
            "name": f"Rehearsal formal exam {code}",
            "kind": "formal",
            "download_opens": (opens - timedelta(days=6)).isoformat(),
            "download_closes": closes,
            "login_opens": iso(self.login_opens),
            "starts": iso(self.starts),
            "login_closes": iso(self.starts),
            "ends": iso(self.ends),
        }

    def exams_json(self, code: str, *, download_until_start: bool = False) -> str:
        return json.dumps(
            [self.exam_session(code, download_until_start=download_until_start)], indent=2
        )

    def reminder_offsets(self) -> tuple[int, int]:
        """The automatic reminders' two offsets before the download window closes (at the
        start, --reminders), in seconds: a quarter and three quarters into the login window,
        as the desk's 24 h and 3 h are into the eve of a real one."""
        window = self.starts - self.login_opens
        return round(window * 0.75), max(1, round(window * 0.25))
