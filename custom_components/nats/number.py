"""NATS numbers."""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberEntity, NumberMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.number import NumberInfo, set_value
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add numbers as devices announce them."""
    async_setup_platform_entities(entry, "number", async_add_entities, NatsNumber)


class NatsNumber(NatsEntity[NumberInfo, float | int | None], NumberEntity):
    """A number in the range the device announced."""

    def __init__(self, hub: NatsHub, device_id: str, description: NumberInfo) -> None:
        """Describe the number."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(NumberDeviceClass, description, device_id)
        self._attr_native_min_value = description.min
        self._attr_native_max_value = description.max
        self._attr_native_step = description.step
        self._attr_native_unit_of_measurement = description.unit
        self._attr_mode = NumberMode(description.mode)

    def apply_state(self, value: float | None) -> None:
        """Store the value."""
        self._attr_native_value = value

    async def async_set_native_value(self, value: float) -> None:
        """Set the value, confirmed by the device."""
        await self.async_command(set_value(value))
