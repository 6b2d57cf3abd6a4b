"""States that arrive before the announcement they belong to.

Each subscription's messages are handled in order, but not in order with
another's (nats-py gives each a task of its own; the own client queues a
burst per subscription), so a device's first states can be handled before
its announcement is. They are
kept here, bounded, and applied once the announcement has been.
"""

from __future__ import annotations

from typing import Final

MAX_STATES: Final = 4096
MAX_BYTES: Final = 4 * 1024 * 1024

type EntityKey = tuple[str, str]


class EarlyStates:
    """Raw states of not yet announced entities; the oldest device goes first when full."""

    def __init__(self) -> None:
        """Start empty."""
        self._by_device: dict[str, dict[EntityKey, bytes]] = {}
        self._count = 0
        self._bytes = 0
        self.evicted = 0
        """States dropped because the buffer was full: lost unless sent again."""

    def __len__(self) -> int:
        """Return how many states are waiting."""
        return self._count

    def add(self, device_id: str, key: EntityKey, raw: bytes) -> None:
        """Keep the latest raw state of an entity."""
        states = self._by_device.setdefault(device_id, {})
        if (old := states.pop(key, None)) is not None:
            self._count -= 1
            self._bytes -= len(old)
        states[key] = raw
        self._count += 1
        self._bytes += len(raw)
        while self._count > MAX_STATES or self._bytes > MAX_BYTES:
            self._evict(next(iter(self._by_device)))

    def take(self, device_id: str) -> dict[EntityKey, bytes]:
        """Remove and return a device's early states."""
        states = self._by_device.pop(device_id, {})
        self._count -= len(states)
        self._bytes -= sum(map(len, states.values()))
        return states

    def _evict(self, device_id: str) -> None:
        self.evicted += len(self.take(device_id))
