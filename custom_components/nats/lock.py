"""NATS locks: lock, unlock and, with a latch, open; a code when the lock asks for one."""

from __future__ import annotations

from typing import Any

from homeassistant.components.lock import LockEntity, LockEntityFeature
from homeassistant.const import ATTR_CODE
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.lock import LockInfo, LockState, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add locks as devices announce them."""
    async_setup_platform_entities(entry, "lock", async_add_entities, NatsLock)


class NatsLock(NatsEntity[LockInfo, LockState], LockEntity):
    """A lock whose commands the device confirms.

    Home Assistant checks the service's code against code_format before any
    of the methods below runs; the device judges whether the code is right.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: LockInfo) -> None:
        """Describe the lock: a latch to open, a code format, an assumed state."""
        super().__init__(hub, device_id, description)
        self._attr_code_format = description.code_format
        self._attr_assumed_state = description.assumed_state
        if description.supports_open:
            self._attr_supported_features = LockEntityFeature.OPEN

    def apply_state(self, value: LockState) -> None:
        """Store the lock's state word as Home Assistant's flags (all false and None: unknown)."""
        state = value.state
        self._attr_is_locked = None if state is None else state == "locked"
        self._attr_is_locking = state == "locking"
        self._attr_is_unlocking = state == "unlocking"
        self._attr_is_jammed = state == "jammed"
        self._attr_is_open = state == "open"
        self._attr_is_opening = state == "opening"

    async def async_lock(self, **kwargs: Any) -> None:
        """Lock, confirmed by the device."""
        await self.async_command(command("lock", kwargs.get(ATTR_CODE)))

    async def async_unlock(self, **kwargs: Any) -> None:
        """Unlock, confirmed by the device."""
        await self.async_command(command("unlock", kwargs.get(ATTR_CODE)))

    async def async_open(self, **kwargs: Any) -> None:
        """Open the latch, confirmed by the device."""
        await self.async_command(command("open", kwargs.get(ATTR_CODE)))
