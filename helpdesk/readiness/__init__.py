"""Device readiness: the desk side of the diagnostic agent and the phone self-check.

Requirements profiles per exam session, the reports the agent and the phone page upload
(re-judged here with `diagnostics.rules`), the speed-test endpoints, the published agent
builds, and the staff's readiness view of an exam session.
"""
