"""NATS date-times: a moment the user sets, exchanged with its offset."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.datetime import DateTimeEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .protocol.calendar_values import parse_datetime
from .protocol.platforms.datetime import DateTimeInfo, set_value
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add date-times as devices announce them."""
    async_setup_platform_entities(entry, "datetime", async_add_entities, NatsDateTime)


class NatsDateTime(NatsEntity[DateTimeInfo, str | None], DateTimeEntity):
    """A moment whose changes the device confirms.

    The device's offset makes the moment exact; Home Assistant shows it in
    UTC and in the user's time zone.
    """

    _attr_native_value: datetime | None = None

    def apply_state(self, value: str | None) -> None:
        """Store the moment (None: unknown)."""
        self._attr_native_value = None if value is None else parse_datetime(value)

    async def async_set_value(self, value: datetime) -> None:
        """Set the moment (sent in UTC, to the second), confirmed by the device."""
        await self.async_command(set_value(value))
