"""Telephony: the Dialer port, its adapters (desk phone, Twilio) and Twilio's webhooks."""
