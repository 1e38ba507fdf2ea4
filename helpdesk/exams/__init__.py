"""Exam sessions and their phases (download window, mock, formal, after)."""
