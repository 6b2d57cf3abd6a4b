"""NATS selects."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.select import SelectInfo, select
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add selects as devices announce them."""
    async_setup_platform_entities(entry, "select", async_add_entities, NatsSelect)


class NatsSelect(NatsEntity[SelectInfo, str | None], SelectEntity):
    """A choice among the options the device announced."""

    def __init__(self, hub: NatsHub, device_id: str, description: SelectInfo) -> None:
        """Describe the select."""
        super().__init__(hub, device_id, description)
        self._attr_options = list(description.options)
        self._attr_current_option = None

    def apply_state(self, value: str | None) -> None:
        """Store the current option (validated against the announced ones)."""
        self._attr_current_option = value

    async def async_select_option(self, option: str) -> None:
        """Select an option, confirmed by the device."""
        await self.async_command(select(option))
