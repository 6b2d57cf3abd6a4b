"""Device availability from heartbeats: NATS has no last will, so silence counts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.core import HomeAssistant, callback

from .const import AVAILABILITY_FACTOR


@dataclass(slots=True)
class _Liveness:
    window: float
    last_seen: float
    available: bool = True
    timer: asyncio.TimerHandle | None = None


class AvailabilityTracker:
    """Tracks when each device was last heard and flips it unavailable on silence.

    Hearing a device costs one float store; a single loop timer per device
    checks the window and re-arms itself while the device keeps talking.
    """

    def __init__(self, hass: HomeAssistant, on_change: Callable[[str], None]) -> None:
        self._loop = hass.loop
        self._on_change = on_change
        self._devices: dict[str, _Liveness] = {}

    def is_available(self, device_id: str) -> bool:
        """Return whether the device was heard within its window and is online."""
        liveness = self._devices.get(device_id)
        return liveness is not None and liveness.available

    @callback
    def track(self, device_id: str, interval: float) -> None:
        """Start or update tracking of a device heard just now.

        The interval of the most recent announcement or heartbeat counts, shorter
        or longer: a timer armed for a longer window is re-armed for the new one.
        """
        window = interval * AVAILABILITY_FACTOR
        liveness = self._devices.get(device_id)
        if liveness is None:
            liveness = self._devices[device_id] = _Liveness(window, self._loop.time(), False)
        changed = window != liveness.window
        liveness.window = window
        self.heard(device_id)
        if changed and liveness.available:
            self._arm(device_id, liveness, window)

    @callback
    def heard(self, device_id: str) -> None:
        """Note that a tracked device was heard (hot path: any message)."""
        liveness = self._devices.get(device_id)
        if liveness is None:
            return
        liveness.last_seen = self._loop.time()
        if not liveness.available:
            liveness.available = True
            self._arm(device_id, liveness, liveness.window)
            self._on_change(device_id)

    @callback
    def offline(self, device_id: str) -> None:
        """Mark a device unavailable at once (it said online: false)."""
        liveness = self._devices.get(device_id)
        if liveness is None or not liveness.available:
            return
        liveness.available = False
        self._disarm(liveness)
        self._on_change(device_id)

    @callback
    def forget(self, device_id: str) -> None:
        """Stop tracking a device."""
        if (liveness := self._devices.pop(device_id, None)) is not None:
            self._disarm(liveness)

    @callback
    def stop(self) -> None:
        """Cancel every timer."""
        for liveness in self._devices.values():
            self._disarm(liveness)
        self._devices.clear()

    def _arm(self, device_id: str, liveness: _Liveness, delay: float) -> None:
        self._disarm(liveness)
        liveness.timer = self._loop.call_later(delay, self._check, device_id)

    @staticmethod
    def _disarm(liveness: _Liveness) -> None:
        if liveness.timer is not None:
            liveness.timer.cancel()
            liveness.timer = None

    @callback
    def _check(self, device_id: str) -> None:
        liveness = self._devices.get(device_id)
        if liveness is None:
            return
        liveness.timer = None
        remaining = liveness.last_seen + liveness.window - self._loop.time()
        if remaining > 0:
            self._arm(device_id, liveness, remaining)
            return
        liveness.available = False
        self._on_change(device_id)
