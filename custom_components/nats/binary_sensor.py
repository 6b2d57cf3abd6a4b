"""NATS binary sensors."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .health_entities import async_setup_health_binary_sensors
from .hub import NatsHub
from .protocol.platforms.binary_sensor import BinarySensorInfo
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add binary sensors as devices announce them, and the server's health binary sensors."""
    async_setup_platform_entities(entry, "binary_sensor", async_add_entities, NatsBinarySensor)
    async_setup_health_binary_sensors(entry, async_add_entities)


class NatsBinarySensor(NatsEntity[BinarySensorInfo, str | None], BinarySensorEntity):
    """A binary sensor."""

    def __init__(self, hub: NatsHub, device_id: str, description: BinarySensorInfo) -> None:
        """Describe the binary sensor."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(BinarySensorDeviceClass, description, device_id)

    def apply_state(self, value: str | None) -> None:
        """Store ON/OFF/unknown."""
        self._attr_is_on = None if value is None else value == "ON"
