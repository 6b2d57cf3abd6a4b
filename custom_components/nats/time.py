"""NATS times: a time of day the user sets."""

from __future__ import annotations

from datetime import time

from homeassistant.components.time import TimeEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .protocol.calendar_values import parse_time
from .protocol.platforms.time import TimeInfo, set_value
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add times as devices announce them."""
    async_setup_platform_entities(entry, "time", async_add_entities, NatsTime)


class NatsTime(NatsEntity[TimeInfo, str | None], TimeEntity):
    """A time of day whose changes the device confirms."""

    _attr_native_value: time | None = None

    def apply_state(self, value: str | None) -> None:
        """Store the time (None: unknown)."""
        self._attr_native_value = None if value is None else parse_time(value)

    async def async_set_value(self, value: time) -> None:
        """Set the time to the second, confirmed by the device."""
        await self.async_command(set_value(value))
