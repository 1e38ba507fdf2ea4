"""Readiness reminders: text the candidates of a segment before their problem reaches the
exam, by hand from the readiness and uploads views or by the scheduler on the exam calendar."""
