"""NATS lights: on/off, brightness, colour temperature and RGB."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.light import (
    ATTR_BRIGHTNESS,
    ATTR_COLOR_TEMP_KELVIN,
    ATTR_RGB_COLOR,
    ATTR_TRANSITION,
    ColorMode,
    LightEntity,
    LightEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.light import LightInfo, LightState, command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0

COLOR_MODES: Final = {
    "onoff": ColorMode.ONOFF,
    "brightness": ColorMode.BRIGHTNESS,
    "color_temp": ColorMode.COLOR_TEMP,
    "rgb": ColorMode.RGB,
}


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add lights as devices announce them."""
    async_setup_platform_entities(entry, "light", async_add_entities, NatsLight)


class NatsLight(NatsEntity[LightInfo, LightState], LightEntity):
    """A light whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: LightInfo) -> None:
        """Describe the light from its announced colour modes."""
        super().__init__(hub, device_id, description)
        self._modes = [COLOR_MODES[mode] for mode in description.color_modes]
        self._attr_supported_color_modes = set(self._modes)
        self._attr_color_mode = self._modes[0]
        self._attr_min_color_temp_kelvin = description.min_kelvin
        self._attr_max_color_temp_kelvin = description.max_kelvin
        if ColorMode.ONOFF not in self._modes:
            self._attr_supported_features = LightEntityFeature.TRANSITION

    def apply_state(self, value: LightState) -> None:
        """Store on/off, brightness and colour."""
        self._attr_is_on = None if value.state is None else value.state == "ON"
        if value.color_mode is not None:
            self._attr_color_mode = COLOR_MODES[value.color_mode]
        if ColorMode.ONOFF in self._modes:
            return
        if value.brightness is not None:
            self._attr_brightness = value.brightness
        if value.color_temp_kelvin is not None:
            self._attr_color_temp_kelvin = value.color_temp_kelvin
        if value.rgb is not None:
            self._attr_rgb_color = value.rgb

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn on with the requested brightness and colour, confirmed by the device."""
        kelvin = kwargs.get(ATTR_COLOR_TEMP_KELVIN)
        if kelvin is not None:
            # Home Assistant passes any positive value on; the device must refuse
            # one outside its announced range, so send the nearest it accepts.
            kelvin = min(max(kelvin, self.min_color_temp_kelvin), self.max_color_temp_kelvin)
        await self.async_command(
            command(
                on=True,
                brightness=kwargs.get(ATTR_BRIGHTNESS),
                color_temp_kelvin=kelvin,
                rgb=kwargs.get(ATTR_RGB_COLOR),
                transition=kwargs.get(ATTR_TRANSITION),
            )
        )

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn off, confirmed by the device."""
        await self.async_command(command(on=False, transition=kwargs.get(ATTR_TRANSITION)))
