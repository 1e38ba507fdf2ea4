"""Upload-retry guidance and follow-up: upload events from the exam clients, each artifact's
state, the guided retry flow (its text is data supervisors edit) and the post-exam follow-up
of every candidate whose evidence videos or answer data did not all arrive."""
