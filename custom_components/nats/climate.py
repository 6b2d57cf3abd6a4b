"""NATS climate entities: thermostats, heat pumps, air conditioners."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ClimateEntity,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.climate import ClimateInfo, ClimateState, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add climate entities as devices announce them."""
    async_setup_platform_entities(entry, "climate", async_add_entities, NatsClimate)


def _features(description: ClimateInfo) -> ClimateEntityFeature:
    features = ClimateEntityFeature(0)
    for announced, feature in (
        (description.supports_target_temperature, ClimateEntityFeature.TARGET_TEMPERATURE),
        (description.supports_target_temperature_range, ClimateEntityFeature.TARGET_TEMPERATURE_RANGE),
        (description.supports_target_humidity, ClimateEntityFeature.TARGET_HUMIDITY),
        (description.fan_modes is not None, ClimateEntityFeature.FAN_MODE),
        (description.swing_modes is not None, ClimateEntityFeature.SWING_MODE),
        (description.swing_horizontal_modes is not None, ClimateEntityFeature.SWING_HORIZONTAL_MODE),
        (description.preset_modes is not None, ClimateEntityFeature.PRESET_MODE),
    ):
        if announced:
            features |= feature
    if "off" in description.hvac_modes:
        features |= ClimateEntityFeature.TURN_OFF
        if len(description.hvac_modes) > 1:
            features |= ClimateEntityFeature.TURN_ON
    return features


def _list(modes: tuple[str, ...] | None) -> list[str] | None:
    return None if modes is None else list(modes)


class NatsClimate(NatsEntity[ClimateInfo, ClimateState], ClimateEntity):
    """A climate entity whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: ClimateInfo) -> None:
        """Describe the entity from its announced modes, targets and ranges."""
        super().__init__(hub, device_id, description)
        self._attr_supported_features = _features(description)
        self._attr_hvac_modes = [HVACMode(mode) for mode in description.hvac_modes]
        self._attr_temperature_unit = UnitOfTemperature(description.temperature_unit)
        self._attr_min_temp = description.min_temp
        self._attr_max_temp = description.max_temp
        self._attr_target_temperature_step = description.temp_step
        self._attr_precision = description.precision
        self._attr_min_humidity = description.min_humidity
        self._attr_max_humidity = description.max_humidity
        self._attr_fan_modes = _list(description.fan_modes)
        self._attr_swing_modes = _list(description.swing_modes)
        self._attr_swing_horizontal_modes = _list(description.swing_horizontal_modes)
        self._attr_preset_modes = _list(description.preset_modes)
        self._mode_before_off: HVACMode | None = next(
            (mode for mode in self._attr_hvac_modes if mode != HVACMode.OFF), None
        )
        self.apply_state(ClimateState(state=None))

    def apply_state(self, value: ClimateState) -> None:
        """Store the mode, action, temperatures, humidities and modes."""
        self._attr_hvac_mode = None if value.state is None else HVACMode(value.state)
        if self._attr_hvac_mode not in (None, HVACMode.OFF):
            self._mode_before_off = self._attr_hvac_mode
        self._attr_hvac_action = None if value.hvac_action is None else HVACAction(value.hvac_action)
        self._attr_current_temperature = value.current_temperature
        self._attr_target_temperature = value.target_temperature
        self._attr_target_temperature_low = value.target_temperature_low
        self._attr_target_temperature_high = value.target_temperature_high
        self._attr_current_humidity = value.current_humidity
        self._attr_target_humidity = value.target_humidity
        self._attr_fan_mode = value.fan_mode
        self._attr_swing_mode = value.swing_mode
        self._attr_swing_horizontal_mode = value.swing_horizontal_mode
        self._attr_preset_mode = value.preset_mode

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Set the HVAC mode, confirmed by the device."""
        await self.async_command(command(hvac_mode=hvac_mode.value))

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set a target or a range, with the HVAC mode when given, in one command."""
        mode: HVACMode | None = kwargs.get(ATTR_HVAC_MODE)
        await self.async_command(
            command(
                hvac_mode=None if mode is None else mode.value,
                target_temperature=kwargs.get(ATTR_TEMPERATURE),
                target_temperature_low=kwargs.get(ATTR_TARGET_TEMP_LOW),
                target_temperature_high=kwargs.get(ATTR_TARGET_TEMP_HIGH),
            )
        )

    async def async_set_humidity(self, humidity: int) -> None:
        """Set the target humidity, confirmed by the device."""
        await self.async_command(command(target_humidity=humidity))

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Set the fan mode, confirmed by the device."""
        await self.async_command(command(fan_mode=fan_mode))

    async def async_set_swing_mode(self, swing_mode: str) -> None:
        """Set the swing mode, confirmed by the device."""
        await self.async_command(command(swing_mode=swing_mode))

    async def async_set_swing_horizontal_mode(self, swing_horizontal_mode: str) -> None:
        """Set the horizontal swing mode, confirmed by the device."""
        await self.async_command(command(swing_horizontal_mode=swing_horizontal_mode))

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Set the preset, confirmed by the device."""
        await self.async_command(command(preset_mode=preset_mode))

    async def async_turn_on(self) -> None:
        """Return to the mode the entity was in before it was turned off."""
        if self._mode_before_off is not None:
            await self.async_set_hvac_mode(self._mode_before_off)

    async def async_turn_off(self) -> None:
        """Set the HVAC mode off."""
        await self.async_set_hvac_mode(HVACMode.OFF)
