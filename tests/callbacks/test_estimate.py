"""The wait a candidate is promised: agents on duty (console seen, not paused), the requests
ahead, a call length shrunk from a prior towards recent calls, a range that holds the true
wait in a simulated queue, and no number at all when nobody is on duty."""

from __future__ import annotations

import heapq
import math
import random
from datetime import timedelta

import pytest

from helpdesk.callbacks import calls, estimate, presence, queue, standing, stats
from helpdesk.callbacks.models import Outcome
from tests.callbacks.conftest import IN_EXAM, later

PRIOR = 180.0


def length(lengths: list[float]) -> estimate.CallLength:
    return estimate.call_length(lengths, prior=PRIOR, prior_calls=20)


def test_without_history_the_call_length_is_the_prior():
    assert length([]).mean == PRIOR
    assert length([]).calls == 0


def test_one_three_second_test_call_barely_moves_the_call_length():
    assert length([3.0]).mean > 0.9 * PRIOR


def test_a_long_history_decides_the_call_length():
    rng = random.Random(1)
    history = [rng.lognormvariate(math.log(400), 0.4) for _ in range(300)]
    learned = length(history).mean

    assert abs(learned - sum(history) / len(history)) < 0.1 * learned


def wait(agents: int, *, ahead: int, busy: int | None = None) -> estimate.WaitRange | None:
    return estimate.wait_range(
        ahead=ahead,
        agents=agents,
        busy=agents if busy is None else busy,
        length=length([]),
        pickup=30,
    )


def test_nobody_on_duty_gives_no_number():
    assert wait(0, ahead=3) is None


def test_one_agent_makes_the_third_in_line_wait_several_calls():
    third = wait(1, ahead=2)
    assert third is not None
    assert third.low < 3 * (PRIOR + 30) < third.high
    assert third.low <= third.point <= third.high


def test_many_agents_share_the_queue():
    one, many = wait(1, ahead=9), wait(10, ahead=9)
    assert one is not None
    assert many is not None
    assert many.point < one.point / 5


def test_a_free_agent_calls_within_the_pickup():
    free = wait(3, ahead=0, busy=1)
    assert free is not None
    assert free.high <= 60


def simulate(agents: int, *, presses: int, load: float, seed: int) -> list[bool]:
    """A FIFO queue served by `agents`; for each press whether the range shown at the
    press held the true time to its first call attempt."""
    rng = random.Random(seed)
    mean_call, pickup_mean = 220.0, 25.0
    rate = load * agents / (mean_call + pickup_mean)
    free_at = [0.0] * agents  # when each agent is next free
    heapq.heapify(free_at)
    history: list[float] = []
    ended: list[tuple[float, float]] = []  # (ended at, length) not yet learned
    claims: list[float] = []  # when each earlier press is taken by an agent
    held: list[bool] = []
    now = 0.0
    for _ in range(presses):
        now += rng.expovariate(rate)
        while ended and ended[0][0] <= now:
            history.append(heapq.heappop(ended)[1])
        busy = sum(1 for t in free_at if t > now)
        ahead = sum(1 for claimed in claims if claimed > now)  # still waiting in the queue
        shown = estimate.wait_range(
            ahead=ahead,
            agents=agents,
            busy=busy,
            length=length(history[-300:]),
            pickup=30,
        )
        agent_free = max(now, heapq.heappop(free_at))
        start = agent_free + rng.uniform(10, 40)
        call = max(20.0, rng.lognormvariate(math.log(mean_call) - 0.125, 0.5))
        heapq.heappush(free_at, start + call)
        heapq.heappush(ended, (start + call, call))
        claims.append(agent_free)
        assert shown is not None
        held.append(shown.low <= start - now <= shown.high)
    return held


@pytest.mark.parametrize("agents", [1, 3, 12])
def test_the_range_holds_the_true_wait_for_nine_presses_in_ten(agents):
    held = simulate(agents, presses=600, load=0.9, seed=agents)

    assert sum(held) / len(held) >= 0.9


# --- from the database ---------------------------------------------------------------------


def test_only_agents_whose_console_is_open_and_not_paused_are_on_duty(
    db_session, make_staff, settings, on_duty
):
    working, paused = on_duty(2)
    presence.set_paused(db_session, staff=paused, paused=True, now=IN_EXAM)
    make_staff()  # signed up, never opened the console

    assert estimate.on_duty_ids(db_session, settings=settings, now=IN_EXAM) == [working.id]
    assert estimate.on_duty_ids(db_session, settings=settings, now=later(IN_EXAM, 60)) == []


def test_reopening_the_console_after_being_away_puts_an_agent_back_on_duty(
    db_session, settings, on_duty
):
    (agent,) = on_duty(1)
    presence.set_paused(db_session, staff=agent, paused=True, now=IN_EXAM)

    presence.heartbeat(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 5))
    assert estimate.on_duty_ids(db_session, settings=settings, now=later(IN_EXAM, 5)) == []
    presence.heartbeat(db_session, staff=agent, settings=settings, now=later(IN_EXAM, 600))
    assert estimate.on_duty_ids(db_session, settings=settings, now=later(IN_EXAM, 600)) == [
        agent.id
    ]


def test_with_nobody_on_duty_the_candidate_is_told_a_technician_was_alerted(
    db_session, make_candidate, formal, press, settings
):
    for _ in range(2):
        press(make_candidate(sessions=[formal]).candidate, formal)
    third = press(make_candidate(sessions=[formal]).candidate, formal)

    shown = standing.standing(db_session, third, settings=settings, now=IN_EXAM)

    assert shown["wait"] is None
    assert shown["body"]["position"] == 3
    assert "已通知值班主管" in shown["body"]["message"]
    assert "分钟" not in shown["body"]["message"]


def test_the_estimate_uses_the_agents_on_duty_and_the_learned_call_length(
    db_session, make_candidate, formal, press, settings, on_duty
):
    (agent,) = on_duty(1)
    test_call = press(make_candidate(sessions=[formal]).candidate, formal)
    queue.claim_next(db_session, staff=agent, settings=settings, now=IN_EXAM)
    calls.start_call(
        db_session, request=test_call, staff=agent, adapter="desk", settings=settings, now=IN_EXAM
    )
    calls.record_outcome(
        db_session,
        request=test_call,
        staff=agent,
        outcome=Outcome.RESOLVED,
        settings=settings,
        now=later(IN_EXAM, 3),
    )
    ahead = [press(make_candidate(sessions=[formal]).candidate, formal) for _ in range(2)]
    third = press(make_candidate(sessions=[formal]).candidate, formal)

    shown = standing.standing(db_session, third, settings=settings, now=later(IN_EXAM, 10))

    assert len(ahead) == 2
    assert shown["wait"] is not None
    low, high = shown["minutes"]
    assert shown["wait"].point >= 4 * 60  # two calls of about three minutes come first
    assert high >= 6
    assert f"约 {low}–{high} 分钟" in shown["body"]["message"]
    assert shown["body"]["estimated_wait_seconds"] == shown["wait"].point


def test_the_wallboard_plans_every_session_and_warns_when_nobody_is_on_duty(
    db_session, make_candidate, formal, press, settings
):
    press(make_candidate(sessions=[formal]).candidate, formal)

    plans = stats.staffing_estimate(db_session, settings=settings, now=IN_EXAM)

    (plan,) = [p for p in plans if p["session"].id == formal.id]
    assert plan["nobody_on_duty"] is True
    assert plan["waiting"] == 1
    assert plan["call_seconds"] == settings.default_call_seconds
    assert plan["agents"] >= 1
    assert timedelta(0) < formal.ends - IN_EXAM
