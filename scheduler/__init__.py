"""Scheduled duties: due surveillance, expiry and cancellation, and every legal deadline."""
