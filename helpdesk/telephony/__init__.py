"""Telephony, the port to the phone network: the Dialer protocol and its adapters (desk
phone, Twilio), the port's call states and Twilio's words for them, TwiML, and the table of
provider events already applied. It knows nothing of help requests: callbacks uses it."""
