"""The Prometheus endpoint: open only to the configured addresses (and token), request counts
and latencies per route, the callback queue per urgency, the SMS outbox and each job's lag."""

from __future__ import annotations

import dataclasses
import ipaddress
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from helpdesk import clock, jobs
from helpdesk.callbacks.models import HelpRequest, HelpStatus
from helpdesk.exams.models import Urgency
from helpdesk.notify.models import OutboundSms, SmsStatus
from helpdesk.security import TrustedProxyFix


def scrape(client, **options) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **options)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_per_route_and_status_with_their_latency(client):
    before = scrape(client)
    for _ in range(3):
        client.get("/livez")
    client.get("/no/such/page")
    after = scrape(client)

    key = {"method": "GET", "route": "/livez", "status": "200"}
    assert (
        value(after, "helpdesk_http_requests_total", **key)
        - value(before, "helpdesk_http_requests_total", **key)
        == 3
    )
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert value(after, "helpdesk_http_requests_total", **unmatched) >= 1
    count = {"method": "GET", "route": "/livez"}
    assert (
        value(after, "helpdesk_http_request_duration_seconds_count", **count)
        - value(before, "helpdesk_http_request_duration_seconds_count", **count)
        == 3
    )


def test_an_address_outside_the_allowed_ones_gets_not_found(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})

    assert response.status_code == 404
    assert b"helpdesk_" not in response.data


@pytest.fixture
def with_access(app):
    original = app.extensions["metrics"]

    def set_access(**changes):
        app.extensions["metrics"] = dataclasses.replace(original, **changes)

    yield set_access
    app.extensions["metrics"] = original


def test_with_a_token_set_only_the_bearer_of_it_may_scrape(client, with_access):
    with_access(token="s3cret-token")

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert scrape(client, headers={"Authorization": "Bearer s3cret-token"})


def test_a_token_alone_opens_it_to_any_address_and_nothing_set_closes_it(client, with_access):
    with_access(networks=(), token="t0ken")
    remote = {"environ_base": {"REMOTE_ADDR": "198.51.100.7"}}
    assert scrape(client, headers={"Authorization": "Bearer t0ken"}, **remote)

    with_access(networks=(), token="")
    assert client.get("/metrics").status_code == 404


def test_a_network_can_be_allowed(client, with_access):
    with_access(networks=(ipaddress.ip_network("10.0.0.0/8"),))

    assert scrape(client, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert client.get("/metrics").status_code == 404


def test_the_callback_queue_is_shown_per_urgency_with_its_oldest_wait(
    client, db_session, make_exam, make_candidate, now
):
    exam = make_exam("FORMAL")
    before = scrape(client)
    for minutes, status in ((10, HelpStatus.WAITING), (3, HelpStatus.WAITING), (1, "claimed")):
        candidate = make_candidate(sessions=[exam]).candidate
        db_session.add(
            HelpRequest(
                public_id=uuid.uuid4().hex,
                candidate=candidate,
                exam_session=exam,
                source="api",
                phone=candidate.phone,
                status=status,
                priority=int(Urgency.FORMAL_IN_PROGRESS),
                due_at=now,
                created_at=now - timedelta(minutes=minutes),
            )
        )
    db_session.flush()
    after = scrape(client)

    waiting = {"urgency": "formal_in_progress", "status": "waiting"}
    claimed = {"urgency": "formal_in_progress", "status": "claimed"}
    depth = "helpdesk_callback_queue_depth"
    assert value(after, depth, **waiting) - value(before, depth, **waiting) == 2
    assert value(after, depth, **claimed) - value(before, depth, **claimed) == 1
    oldest = value(after, "helpdesk_callback_oldest_wait_seconds", urgency="formal_in_progress")
    assert oldest >= 600
    assert ("helpdesk_callback_oldest_wait_seconds", (("urgency", "mock_day"),)) in after


def test_the_sms_outbox_shows_its_backlog_and_the_age_of_the_oldest_pending(
    client, db_session, now
):
    before = scrape(client)
    for minutes in (7, 2):
        db_session.add(
            OutboundSms(
                to="+8613800138000",
                kind="ticket_reply",
                params={},
                body="x",
                dedupe_key=uuid.uuid4().hex,
                status=SmsStatus.PENDING,
                created_at=now - timedelta(minutes=minutes),
            )
        )
    db_session.flush()
    after = scrape(client)

    pending = "helpdesk_sms_outbox"
    assert value(after, pending, status="pending") - value(before, pending, status="pending") == 2
    assert value(after, "helpdesk_sms_outbox_oldest_pending_seconds") >= 420


def test_each_scheduled_job_shows_its_lag(app, client, db_session, now):
    job = jobs.find("notify.send_pending")
    jobs.run_job(app, job)
    clock.freeze(now + timedelta(seconds=job.interval_seconds + 25))

    samples = scrape(client)

    assert value(samples, "helpdesk_job_lag_seconds", job=job.id) == pytest.approx(25)
    assert value(samples, "helpdesk_job_last_success_timestamp_seconds", job=job.id) == (
        pytest.approx(now.timestamp())
    )
    assert {labels for name, labels in samples if name == "helpdesk_job_lag_seconds"} == {
        (("job", j.id),) for j in jobs.JOBS
    }


def _peer(remote: str, forwarded: str) -> str:
    seen: dict[str, str] = {}

    def inner(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        return []

    wrapped = TrustedProxyFix(inner, 1, ["127.0.0.1", "10.0.0.0/8"])
    wrapped({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}, lambda *a: None)
    return seen["addr"]


def test_forwarded_addresses_are_believed_only_from_a_trusted_proxy():
    assert _peer("127.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert _peer("10.2.3.4", "203.0.113.5") == "203.0.113.5"
    assert _peer("198.51.100.1", "127.0.0.1") == "198.51.100.1"
