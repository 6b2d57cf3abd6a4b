"""Device availability from heartbeats: NATS has no last will, so silence counts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .device_history import REASON_HEARTBEAT_MISSED, REASON_MESSAGE, REASON_NO_RESPONDERS
from .device_options import heartbeat_tolerance


@dataclass(slots=True, eq=False)
class Liveness:
    """When one device was last heard, and whether it counts as available."""

    device_id: str
    window: float = 0.0
    last_seen: float = 0.0
    available: bool = False
    timer: asyncio.TimerHandle | None = None
    reason: str = ""
    """What caused the last change of availability (device_history.REASON_*), for diagnostics."""


class AvailabilityTracker:
    """Flips devices unavailable on silence; each device's Liveness lives with the device.

    Hearing a device costs one float store; a single loop timer per device
    checks the window and re-arms itself while the device keeps talking.
    """

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, on_change: Callable[[str], None]) -> None:
        self._loop = hass.loop
        self._entry = entry
        self._on_change = on_change

    def _window(self, device_id: str, interval: float) -> float:
        """Return the silence after which a device counts as gone: its interval times its tolerance."""
        return interval * heartbeat_tolerance(self._entry.options, device_id)

    @callback
    def track(self, liveness: Liveness, interval: float, reason: str = REASON_MESSAGE) -> None:
        """Note a device heard just now with the heartbeat interval it gave.

        The interval of the most recent announcement or heartbeat counts, shorter
        or longer: a timer armed for a longer window is re-armed for the new one.
        """
        window = self._window(liveness.device_id, interval)
        changed = window != liveness.window
        liveness.window = window
        self.heard(liveness, reason)
        if changed and liveness.available:
            self._arm(liveness, window)

    @callback
    def restore(self, liveness: Liveness, interval: float, age: float, *, online: bool) -> None:
        """Set a restored device's liveness from how long ago the server last stored a message of it.

        Available at once while that is within its window and it did not say
        it went offline; its timer then runs out what is left of the window.
        """
        liveness.window = self._window(liveness.device_id, interval)
        liveness.last_seen = self._loop.time() - age
        liveness.available = online and age < liveness.window
        if liveness.available:
            self._arm(liveness, liveness.window - age)

    @callback
    def heard(self, liveness: Liveness, reason: str = REASON_MESSAGE) -> None:
        """Note that a device was heard (hot path: any message)."""
        liveness.last_seen = self._loop.time()
        if not liveness.available:
            liveness.available = True
            liveness.reason = reason
            self._arm(liveness, liveness.window)
            self._on_change(liveness.device_id)

    @callback
    def offline(self, liveness: Liveness, reason: str = REASON_NO_RESPONDERS) -> None:
        """Mark a device unavailable at once (it said online: false, or nobody answers for it)."""
        if not liveness.available:
            return
        liveness.available = False
        liveness.reason = reason
        self.disarm(liveness)
        self._on_change(liveness.device_id)

    def _arm(self, liveness: Liveness, delay: float) -> None:
        self.disarm(liveness)
        liveness.timer = self._loop.call_later(delay, self._check, liveness)

    @staticmethod
    def disarm(liveness: Liveness) -> None:
        """Cancel a device's timer (it was removed, or the entry unloads)."""
        if liveness.timer is not None:
            liveness.timer.cancel()
            liveness.timer = None

    @callback
    def _check(self, liveness: Liveness) -> None:
        liveness.timer = None
        remaining = liveness.last_seen + liveness.window - self._loop.time()
        if remaining > 0:
            self._arm(liveness, remaining)
            return
        liveness.available = False
        liveness.reason = REASON_HEARTBEAT_MISSED
        self._on_change(liveness.device_id)
