"""The 求助 button and the callback queue: help requests, claims, call attempts, outcomes.

Services hold the rules: `services.py` (pressing 求助, follow-ups), `standing.py` (where a
request stands), `queue.py` (claims, notes, escalation, close-out) and `calls.py` (the call
lifecycle, through the telephony port). `views.py` (candidate pages), `staff_views.py`
(staff pages), `api.py` (the JSON API), `webhooks.py` (Twilio's) and `jobs.py` call them;
`settings.py` builds the settings and the dialer once, in `init_app`.
"""
