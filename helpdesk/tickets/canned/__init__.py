"""Canned replies: the rules (services) and the supervisors' pages (staff_views)."""
