"""Counts of what the hub did with the messages it received (shown in diagnostics)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class MessageCounters:
    """Since the entry was set up; plain ints, cheap enough for the state hot path."""

    states_applied: int = 0
    """Valid states of announced entities (a burst may reach HA as fewer writes)."""
    states_invalid: int = 0
    """States refused by the protocol rules, each logged with its subject."""
    messages_dropped: int = 0
    """Messages the client dropped because a subscription's backlog was full (slow consumer)."""
