"""The rehearsal's reading of the desk's /metrics: queue, outbox and job-lag figures parsed,
their maximum and last value summed up, a job that never ran said so."""

from __future__ import annotations

import math

from bench.rehearsal import metrics

TEXT = """\
# TYPE helpdesk_callback_queue_depth gauge
helpdesk_callback_queue_depth{status="waiting",urgency="formal_in_progress"} 4.0
helpdesk_callback_queue_depth{status="claimed",urgency="formal_in_progress"} 2.0
helpdesk_callback_queue_depth{status="waiting",urgency="other"} 1.0
# TYPE helpdesk_callback_oldest_wait_seconds gauge
helpdesk_callback_oldest_wait_seconds{urgency="formal_in_progress"} 42.5
helpdesk_callback_oldest_wait_seconds{urgency="other"} 7.0
# TYPE helpdesk_sms_outbox gauge
helpdesk_sms_outbox{status="pending"} 3.0
helpdesk_sms_outbox{status="sent"} 30.0
helpdesk_sms_outbox{status="failed"} 0.0
# TYPE helpdesk_sms_outbox_oldest_pending_seconds gauge
helpdesk_sms_outbox_oldest_pending_seconds 12.0
# TYPE helpdesk_job_lag_seconds gauge
helpdesk_job_lag_seconds{job="notify.send_pending"} 1.5
helpdesk_job_lag_seconds{job="identity.purge_expired_sessions"} +Inf
"""


def test_the_figures_are_read_from_the_exposition_text():
    figures, lags = metrics.parse(TEXT)

    assert figures["queue_waiting"] == 5
    assert figures["queue_open"] == 7
    assert figures["oldest_wait_s"] == 42.5
    assert figures["sms_pending"] == 3
    assert figures["sms_oldest_s"] == 12
    assert lags["notify.send_pending"] == 1.5
    assert math.isinf(lags["identity.purge_expired_sessions"])


def test_the_summary_keeps_the_worst_and_the_last_and_says_never_ran():
    log = metrics.MetricsLog(failed=2)
    for at, lag in ((1.0, 9.0), (2.0, 1.5)):
        figures, lags = metrics.parse(TEXT)
        lags["notify.send_pending"] = lag
        log.samples.append(metrics.Sampled(at, figures, lags))

    data = metrics.summary(log)
    text = "\n".join(metrics.lines(data))

    assert data["scrapes"] == 2
    assert data["failed_scrapes"] == 2
    assert data["job_lag"]["notify.send_pending"] == {"max_lag_s": 9.0, "last_lag_s": 1.5}
    assert data["job_lag"]["identity.purge_expired_sessions"]["last_lag_s"] is None
    assert "never ran" in text
    assert data["figures"]["oldest_wait_s"]["max"] == 42.5
