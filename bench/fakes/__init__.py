"""Local stand-ins for outside services (Twilio) that the rehearsal can break on purpose."""
