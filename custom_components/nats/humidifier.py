"""NATS humidifiers and dehumidifiers: on/off, target humidity, modes."""

from __future__ import annotations

from typing import Any

from homeassistant.components.humidifier import (
    HumidifierAction,
    HumidifierDeviceClass,
    HumidifierEntity,
    HumidifierEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.humidifier import HumidifierInfo, HumidifierState, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add humidifiers as devices announce them."""
    async_setup_platform_entities(entry, "humidifier", async_add_entities, NatsHumidifier)


class NatsHumidifier(NatsEntity[HumidifierInfo, HumidifierState], HumidifierEntity):
    """A humidifier or dehumidifier whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: HumidifierInfo) -> None:
        """Describe the entity: its kind, humidity range and modes."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(HumidifierDeviceClass, description, device_id)
        self._attr_min_humidity = description.min_humidity
        self._attr_max_humidity = description.max_humidity
        if description.modes is not None:
            self._attr_supported_features = HumidifierEntityFeature.MODES
            self._attr_available_modes = list(description.modes)
        self.apply_state(HumidifierState(state=None))

    def apply_state(self, value: HumidifierState) -> None:
        """Store on/off, mode, humidities and what the device is doing."""
        self._attr_is_on = None if value.state is None else value.state == "ON"
        self._attr_mode = value.mode
        self._attr_target_humidity = value.target_humidity
        self._attr_current_humidity = value.current_humidity
        self._attr_action = None if value.action is None else HumidifierAction(value.action)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on, confirmed by the device."""
        await self.async_command(command(on=True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off, confirmed by the device."""
        await self.async_command(command(on=False))

    async def async_set_humidity(self, humidity: float) -> None:
        """Set the target humidity, confirmed by the device."""
        await self.async_command(command(target_humidity=humidity))

    async def async_set_mode(self, mode: str) -> None:
        """Set the mode, confirmed by the device."""
        await self.async_command(command(mode=mode))
