"""The in-memory floor: a switch with no transport at all."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback


async def async_setup_platform(
    hass: HomeAssistant, config: Any, async_add_entities: AddEntitiesCallback, discovery_info: Any = None
) -> None:
    """Add the in-memory switch."""
    async_add_entities([MemorySwitch()])


class MemorySwitch(SwitchEntity):
    """Turns on and off in memory and writes its state, like a device reply would."""

    _attr_should_poll = False
    _attr_name = "bench memory switch"
    _attr_unique_id = "bench_memory_switch"
    _attr_is_on = False

    async def async_turn_on(self, **kwargs: Any) -> None:
        self._attr_is_on = True
        self.async_write_ha_state()

    async def async_turn_off(self, **kwargs: Any) -> None:
        self._attr_is_on = False
        self.async_write_ha_state()
