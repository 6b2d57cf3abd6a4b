"""Acknowledgement by state (docs/protocol.md, protocol 1.7): the header both sides use.

A controller marks a command with ACK_HEADER: ACK_BY_STATE. A device that
obeys it and has a new state MAY then publish that state with ACK_HEADER set
to the command's reply subject instead of replying; everything else (a
refusal, a command without state, a command without the header) is answered
by a reply as before.
"""

from __future__ import annotations

from typing import Final

ACK_HEADER: Final = "Nats-Home-Ack"
"""On a command: ACK_BY_STATE. On a state: the reply subject of the command it acknowledges."""
ACK_BY_STATE: Final = "state"


def wants_state_ack(headers: dict[str, str] | None, reply: str) -> bool:
    """Whether a command's sender accepts its state message as the acknowledgement."""
    return bool(reply) and headers is not None and headers.get(ACK_HEADER) == ACK_BY_STATE
