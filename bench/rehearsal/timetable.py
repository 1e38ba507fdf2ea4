"""The notice's exam day on a compressed clock.

The desk's clock is real, so the rehearsal does not fake time on the server: it creates a
formal exam session whose timetable starts a few seconds from now (login opens 10:10, the
exam and the login deadline at 11:00, submission at 11:10 in the notice) and schedules
the simulated candidates on the same compressed clock.

The compression is piecewise: the server only knows login_opens, starts and ends, so each
of the three stretches of the day (the 50-minute login window, the 10-minute exam, the
30 minutes after submission when the uploads go up) may run at its own speed. The quiet
login window is squeezed hardest; the upload rush after submission least, so the request
rate of the rush stays near what a real day of that size produces.
"""

from __future__ import annotations

import bisect
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: Notice minutes, counted from the moment login opens (10:10 Beijing time).
LOGIN_WINDOW_MIN = 50.0      # 10:10 -> 11:00
EXAM_MIN = 10.0              # 11:00 -> 11:10 (submission)
UPLOAD_TAIL_MIN = 30.0       # 11:10 -> 11:40: evidence videos and answer data go up
DAY_MIN = LOGIN_WINDOW_MIN + EXAM_MIN + UPLOAD_TAIL_MIN
#: Share of the real day each stretch gets.
WEIGHTS = (0.20, 0.12, 0.68)


def default_day_seconds(candidates: int) -> float:
    """Long enough that 1,000 candidates' upload rush stays within two shared cores."""
    return max(180.0, 0.72 * candidates)


@dataclass(frozen=True)
class Timetable:
    """Maps notice time (minutes after login opens) to wall-clock time, piecewise."""

    #: Wall-clock (time.time()) moments of notice minutes 0, 50, 60 and 90.
    walls: tuple[float, float, float, float]

    @classmethod
    def compressed(cls, origin: float, day_seconds: float,
                   weights: tuple[float, float, float] = WEIGHTS) -> Timetable:
        if day_seconds <= 0:
            raise ValueError("day_seconds must be positive")
        total = sum(weights)
        a, b, c = (day_seconds * w / total for w in weights)
        return cls((origin, origin + a, origin + a + b, origin + a + b + c))

    @classmethod
    def linear(cls, origin: float, seconds_per_minute: float) -> Timetable:
        return cls(tuple(origin + m * seconds_per_minute  # type: ignore[arg-type]
                         for m in (0.0, LOGIN_WINDOW_MIN, LOGIN_WINDOW_MIN + EXAM_MIN,
                                   DAY_MIN)))

    @property
    def origin(self) -> float:
        return self.walls[0]

    @staticmethod
    def _minutes() -> tuple[float, float, float, float]:
        return (0.0, LOGIN_WINDOW_MIN, LOGIN_WINDOW_MIN + EXAM_MIN, DAY_MIN)

    def _segment(self, index: int) -> tuple[float, float, float, float]:
        m, w = self._minutes(), self.walls
        return m[index], m[index + 1], w[index], w[index + 1]

    def scale_at_minute(self, minute: float) -> float:
        """Real seconds per notice minute at that notice moment."""
        index = min(2, max(0, bisect.bisect_right(self._minutes(), minute) - 1))
        m0, m1, w0, w1 = self._segment(index)
        return (w1 - w0) / (m1 - m0)

    def at(self, notice_minute: float) -> float:
        """Wall-clock time of a notice moment (the last stretch's speed beyond the day)."""
        index = min(2, max(0, bisect.bisect_right(self._minutes(), notice_minute) - 1))
        m0, m1, w0, w1 = self._segment(index)
        return w0 + (notice_minute - m0) * (w1 - w0) / (m1 - m0)

    def minute(self, wall: float) -> float:
        """Notice minute of a wall-clock moment."""
        index = min(2, max(0, bisect.bisect_right(self.walls, wall) - 1))
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
        return self.walls[3]

    def exam_session(self, code: str) -> dict[str, str]:
        """One entry of `flask exams import` for the compressed formal exam."""

        def iso(wall: float) -> str:
            return datetime.fromtimestamp(wall, UTC).isoformat()

        opens = datetime.fromtimestamp(self.login_opens, UTC)
        return {
            "code": code,
            "name": f"Rehearsal formal exam {code}",
            "kind": "formal",
            "download_opens": (opens - timedelta(days=6)).isoformat(),
            "download_closes": (opens - timedelta(days=5)).isoformat(),
            "login_opens": iso(self.login_opens),
            "starts": iso(self.starts),
            "login_closes": iso(self.starts),
            "ends": iso(self.ends),
        }

    def exams_json(self, code: str) -> str:
        return json.dumps([self.exam_session(code)], indent=2)
