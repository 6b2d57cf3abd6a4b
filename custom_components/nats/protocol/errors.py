"""Errors of the protocol layer."""


class ProtocolError(ValueError):
    """A subject or payload that violates the protocol."""
