"""Candidates, staff, roles, roster import and sign-in."""
