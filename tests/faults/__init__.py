"""Fault injection: server restarts, floods and slow consumers against the running integration."""
