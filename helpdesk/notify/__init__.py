"""SMS to candidates: an outbox in the database and a Notifier port with adapters.

Services queue messages with queue_sms() inside the caller's transaction; the job
`notify.send_pending` sends committed rows, so a rolled-back request never texts anyone
and a message queued twice under one dedupe key is sent once. `settings.py` owns the rule
of which numbers a message may name, and builds the notifier once, in `init_app`.
"""
