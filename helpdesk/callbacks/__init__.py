"""The 求助 button and the callback queue: help requests, claims, call attempts, outcomes.

Services (`services.py`, `queue.py`) hold the rules; `views.py` (candidate and staff pages),
`api.py` (the JSON API) and `jobs.py` (the scheduler's jobs) call them.
"""
