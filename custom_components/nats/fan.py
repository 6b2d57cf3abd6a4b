"""NATS fans: on/off, speed, oscillation, direction and presets."""

from __future__ import annotations

from typing import Any

from homeassistant.components.fan import FanEntity, FanEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.fan import FanInfo, FanState, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add fans as devices announce them."""
    async_setup_platform_entities(entry, "fan", async_add_entities, NatsFan)


class NatsFan(NatsEntity[FanInfo, FanState], FanEntity):
    """A fan whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: FanInfo) -> None:
        """Describe the fan from its announced features."""
        super().__init__(hub, device_id, description)
        features = FanEntityFeature.TURN_ON | FanEntityFeature.TURN_OFF
        if description.speed_count is not None:
            features |= FanEntityFeature.SET_SPEED
            self._attr_speed_count = description.speed_count
        if description.supports_oscillation:
            features |= FanEntityFeature.OSCILLATE
        if description.supports_direction:
            features |= FanEntityFeature.DIRECTION
        if description.preset_modes is not None:
            features |= FanEntityFeature.PRESET_MODE
            self._attr_preset_modes = list(description.preset_modes)
        self._attr_supported_features = features
        self._attr_percentage = None

    @property
    def is_on(self) -> bool | None:
        """On as the device says (FanEntity would guess it from speed and preset)."""
        return self._attr_is_on

    def apply_state(self, value: FanState) -> None:
        """Store on/off, speed, oscillation, direction and preset."""
        self._attr_is_on = None if value.state is None else value.state == "ON"
        self._attr_percentage = value.percentage
        self._attr_oscillating = value.oscillating
        self._attr_current_direction = value.direction
        self._attr_preset_mode = value.preset_mode

    async def async_turn_on(
        self, percentage: int | None = None, preset_mode: str | None = None, **kwargs: Any
    ) -> None:
        """Turn on, with a speed and a preset in the same command when given."""
        if percentage == 0 and preset_mode is None:
            await self.async_turn_off()
            return
        await self.async_command(command(on=True, percentage=percentage or None, preset_mode=preset_mode))

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off, confirmed by the device."""
        await self.async_command(command(on=False))

    async def async_set_percentage(self, percentage: int) -> None:
        """Set the speed (which turns the fan on); 0 turns it off."""
        if percentage == 0:
            await self.async_turn_off()
            return
        await self.async_command(command(percentage=percentage))

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Set a preset (which turns the fan on), confirmed by the device."""
        await self.async_command(command(preset_mode=preset_mode))

    async def async_oscillate(self, oscillating: bool) -> None:
        """Switch oscillation, confirmed by the device."""
        await self.async_command(command(oscillating=oscillating))

    async def async_set_direction(self, direction: str) -> None:
        """Set the direction, confirmed by the device."""
        await self.async_command(command(direction=direction))
