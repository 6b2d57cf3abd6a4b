"""Errors of the protocol layer."""


class ProtocolError(ValueError):
    """A subject or payload that violates the protocol."""


class CommandRejectedError(Exception):
    """A device refuses a valid command (it replies {"ok": false, "error": <message>})."""
