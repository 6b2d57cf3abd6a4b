"""NATS dates: a calendar date the user sets."""

from __future__ import annotations

from datetime import date

from homeassistant.components.date import DateEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .protocol.calendar_values import parse_date
from .protocol.platforms.date import DateInfo, set_value
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add dates as devices announce them."""
    async_setup_platform_entities(entry, "date", async_add_entities, NatsDate)


class NatsDate(NatsEntity[DateInfo, str | None], DateEntity):
    """A date whose changes the device confirms."""

    _attr_native_value: date | None = None

    def apply_state(self, value: str | None) -> None:
        """Store the date (None: unknown)."""
        self._attr_native_value = None if value is None else parse_date(value)

    async def async_set_value(self, value: date) -> None:
        """Set the date, confirmed by the device."""
        await self.async_command(set_value(value))
