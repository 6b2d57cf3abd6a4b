"""How far apart one entity's state writes must be, so that a flood of states stays a few writes.

Every state a device sends is applied (validated, kept, the entity's
attributes set), but writing it to Home Assistant's state machine is what
costs: a `state_changed` event for the recorder, the frontend and every
automation. A state after a quiet spell is written at once. An entity that
sends faster than the write interval has its writes coalesced: one trailing
write of its latest state when the interval is up.

The interval is 50 ms while few entities write, and grows with how many
entities wrote in the last second, so that all of them together stay within
WRITE_BUDGET writes per second: 1,000 flooding entities are written twice a
second each, not 20 times. It grows as soon as the entities that wrote in the
current second outnumber what it allows, so a flood is paced from its first
tenth of a second on; it shrinks when a second with fewer writers ends. It
never exceeds MAX_WRITE_INTERVAL, so an entity's latest state is in Home
Assistant within half a second, however large the flood. A command's
confirmed state is always written at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

MIN_WRITE_INTERVAL: Final = 0.05
"""Seconds between one entity's writes during its burst while few entities write (20 writes/s)."""
MAX_WRITE_INTERVAL: Final = 0.5
"""The longest an entity's latest state waits for its write."""
WRITE_BUDGET: Final = 2_000
"""State writes per second all entities of a hub together aim to stay within during a flood."""
WINDOW: Final = 1.0
"""Seconds over which the entities that wrote are counted."""


class WritePacer:
    """Counts the entities that write, per window; sets the interval each entity's writes keep."""

    def __init__(self, now: Callable[[], float]) -> None:
        """Start with the shortest interval; now is the event loop's clock."""
        self._now = now
        self.window = 0
        """The number of the current window: an entity counts itself once per window."""
        self._window_start = now()
        self._writers = 0
        self.interval = MIN_WRITE_INTERVAL
        """Seconds an entity's writes are kept apart now."""

    def wrote(self, last_window: int) -> int:
        """Note that an entity wrote; last_window is the window it last counted in. Return this one."""
        now = self._now()
        if now - self._window_start >= WINDOW:
            # Writers per second over the window that ended (longer than WINDOW after a quiet spell).
            writers = self._writers / (now - self._window_start)
            self.interval = min(MAX_WRITE_INTERVAL, max(MIN_WRITE_INTERVAL, writers / WRITE_BUDGET))
            self.window += 1
            self._window_start = now
            self._writers = 0
        if last_window != self.window:
            self._writers += 1
            if self._writers > self.interval * WRITE_BUDGET:
                # More entities wrote in this window than the interval allows: lengthen it now,
                # not when the window ends, or a flood's first second is written 20 times over.
                self.interval = min(MAX_WRITE_INTERVAL, self._writers / WRITE_BUDGET)
        return self.window
