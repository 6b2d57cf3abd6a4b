"""NATS water heaters: operation mode, target temperature, away mode, on and off."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import (
    ATTR_OPERATION_MODE,
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.const import ATTR_TEMPERATURE, PRECISION_TENTHS, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.water_heater import WaterHeaterInfo, WaterHeaterState, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add water heaters as devices announce them."""
    async_setup_platform_entities(entry, "water_heater", async_add_entities, NatsWaterHeater)


def _features(description: WaterHeaterInfo) -> WaterHeaterEntityFeature:
    features = WaterHeaterEntityFeature(0)
    for announced, feature in (
        (description.supports_target_temperature, WaterHeaterEntityFeature.TARGET_TEMPERATURE),
        (description.operation_modes is not None, WaterHeaterEntityFeature.OPERATION_MODE),
        (description.supports_away_mode, WaterHeaterEntityFeature.AWAY_MODE),
        (description.supports_on_off, WaterHeaterEntityFeature.ON_OFF),
    ):
        if announced:
            features |= feature
    return features


class NatsWaterHeater(NatsEntity[WaterHeaterInfo, WaterHeaterState], WaterHeaterEntity):
    """A water heater whose commands the device confirms; its state is the operation mode."""

    _attr_precision = PRECISION_TENTHS

    def __init__(self, hub: NatsHub, device_id: str, description: WaterHeaterInfo) -> None:
        """Describe the water heater from its announced modes, range and features."""
        super().__init__(hub, device_id, description)
        self._attr_supported_features = _features(description)
        self._attr_operation_list = (
            None if description.operation_modes is None else list(description.operation_modes)
        )
        self._attr_temperature_unit = UnitOfTemperature(description.temperature_unit)
        self._attr_min_temp = description.min_temp
        self._attr_max_temp = description.max_temp
        self._attr_target_temperature_step = description.target_temperature_step

    def apply_state(self, value: WaterHeaterState) -> None:
        """Store the operation mode, temperatures and away mode."""
        self._attr_current_operation = value.state
        self._attr_current_temperature = value.current_temperature
        self._attr_target_temperature = value.target_temperature
        self._attr_is_away_mode_on = value.away_mode

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the target temperature, with the operation mode when given, in one command."""
        await self.async_command(
            command(
                target_temperature=kwargs.get(ATTR_TEMPERATURE),
                operation_mode=kwargs.get(ATTR_OPERATION_MODE),
            )
        )

    async def async_set_operation_mode(self, operation_mode: str) -> None:
        """Set the operation mode, confirmed by the device."""
        await self.async_command(command(operation_mode=operation_mode))

    async def async_turn_away_mode_on(self) -> None:
        """Turn away mode on, confirmed by the device."""
        await self.async_command(command(away_mode=True))

    async def async_turn_away_mode_off(self) -> None:
        """Turn away mode off, confirmed by the device."""
        await self.async_command(command(away_mode=False))

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch the water heater on, confirmed by the device."""
        await self.async_command(command(on=True))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch the water heater off, confirmed by the device."""
        await self.async_command(command(on=False))
