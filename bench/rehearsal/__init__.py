"""The exam-day rehearsal's parts; `bench/examday.py` is the command that runs them."""
