"""Command expiry (docs/protocol.md, "Command expiry"): both ends of it.

The controller stamps its messages with its own monotonic clock; a device,
which has no synchronised clock, learns how that clock relates to its own
from every stamped message and refuses a command that took longer than its
`ttl` beyond the quickest message it has seen. All arithmetic is in integer
milliseconds so the Python and C++ implementations agree to the millisecond
(tests/vectors/expiry.json).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import secrets
import time
from typing import Any, Final

from .tokens import is_valid_token

DRIFT_DIVISOR: Final = 5000
"""The estimate may drift by 1 ms per 5,000 ms of the device's clock (200 ppm)."""
MAX_SENT: Final = 2**53
"""The largest clock reading a device parsing JSON numbers as doubles reads exactly."""
CLOCKS_KEPT: Final = 4
"""Controller clocks a device remembers, the least recently heard forgotten first."""
EXPIRED_ERROR: Final = "command expired"
STAMP_FIELDS: Final = frozenset({"clock", "sent", "ttl"})
RETURN_MARGIN: Final = 0.5
"""Seconds of the controller's timeout kept back for the refusal to travel back."""


def command_ttl_ms(timeout: float) -> int:
    """Return the ttl a controller with this command timeout puts in its commands."""
    return max(1, round(1000 * max(timeout - RETURN_MARGIN, timeout / 2)))


class ControllerClock:
    """The controller's clock: a fresh id and a millisecond count from its creation."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        """Start a clock; a new instance (a restarted controller) gets a new id."""
        self.id = secrets.token_hex(4)
        self._monotonic = monotonic
        self._start = monotonic()

    def stamp(self) -> dict[str, Any]:
        """Return the clock fields for a message sent now."""
        return {"clock": self.id, "sent": int((self._monotonic() - self._start) * 1000)}

    def command_stamp(self, timeout: float) -> dict[str, Any]:
        """Return the clock fields and ttl for a command sent now."""
        return {**self.stamp(), "ttl": command_ttl_ms(timeout)}


@dataclass(slots=True)
class _Estimate:
    skew: int
    at: int


def monotonic_ms() -> int:
    """Return the device's own monotonic clock in ms."""
    return time.monotonic_ns() // 1_000_000


class CommandExpiry:
    """The device's view of each controller clock, and the verdict on each command."""

    def __init__(self, now_ms: Callable[[], int] = monotonic_ms) -> None:
        """Know no controller clock yet."""
        self._now_ms = now_ms
        self._clocks: OrderedDict[str, _Estimate] = OrderedDict()

    def observe(self, clock: str, sent: int, now: int | None = None) -> int:
        """Learn from a stamped message; return how late it is in ms (0 when not known)."""
        if now is None:
            now = self._now_ms()
        sample = now - sent
        estimate = self._clocks.get(clock)
        if estimate is None:
            if len(self._clocks) >= CLOCKS_KEPT:
                self._clocks.popitem(last=False)
            self._clocks[clock] = _Estimate(sample, now)
            return 0
        self._clocks.move_to_end(clock)
        bound = estimate.skew + (now - estimate.at) // DRIFT_DIVISOR
        estimate.skew = min(bound, sample)
        estimate.at = now
        return sample - bound

    def observe_message(self, payload: Mapping[str, Any]) -> None:
        """Learn from a controller message (ha.status, discovery request) if it is stamped."""
        clock, sent = payload.get("clock"), payload.get("sent")
        # A stamp that a command could not carry teaches nothing (docs/protocol.md).
        if (
            is_valid_token(clock)
            and isinstance(sent, int)
            and not isinstance(sent, bool)
            and 0 <= sent <= MAX_SENT
        ):
            self.observe(str(clock), sent)

    def is_expired(self, command: Mapping[str, Any], now: int | None = None) -> bool:
        """Return whether a validated command arrived too late to be carried out."""
        if "ttl" not in command:
            return False
        late = self.observe(command["clock"], command["sent"], now)
        ttl: int = command["ttl"]
        return late > ttl


def without_stamp(command: Mapping[str, Any]) -> dict[str, Any]:
    """Return a command without its expiry stamp, which says when, not what."""
    return {key: value for key, value in command.items() if key not in STAMP_FIELDS}
