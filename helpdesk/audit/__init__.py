"""The audit log of staff actions."""
