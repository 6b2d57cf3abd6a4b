"""NATS vacuums: start, pause, stop, return home, spot cleaning, locate and fan speeds."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.vacuum import StateVacuumEntity, VacuumActivity, VacuumEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.vacuum import VacuumInfo, VacuumState, action, fan_speed as fan_speed_command
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0

FEATURES: Final = {
    "start": VacuumEntityFeature.START,
    "pause": VacuumEntityFeature.PAUSE,
    "stop": VacuumEntityFeature.STOP,
    "return_home": VacuumEntityFeature.RETURN_HOME,
    "clean_spot": VacuumEntityFeature.CLEAN_SPOT,
    "locate": VacuumEntityFeature.LOCATE,
}


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add vacuums as devices announce them."""
    async_setup_platform_entities(entry, "vacuum", async_add_entities, NatsVacuum)


class NatsVacuum(NatsEntity[VacuumInfo, VacuumState], StateVacuumEntity):
    """A vacuum whose commands the device confirms.

    A battery level is not the vacuum's (Home Assistant removed it from
    vacuums): a device announces a battery sensor beside it.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: VacuumInfo) -> None:
        """Offer the actions and fan speeds the vacuum announced."""
        super().__init__(hub, device_id, description)
        features = VacuumEntityFeature.STATE
        for name, feature in FEATURES.items():
            if description.supports(name):
                features |= feature
        if description.fan_speeds is not None:
            features |= VacuumEntityFeature.FAN_SPEED
            self._attr_fan_speed_list = list(description.fan_speeds)
        self._attr_supported_features = features

    def apply_state(self, value: VacuumState) -> None:
        """Store the activity and fan speed (None: unknown)."""
        self._attr_activity = None if value.state is None else VacuumActivity(value.state)
        self._attr_fan_speed = value.fan_speed

    async def async_start(self) -> None:
        """Start or resume cleaning, confirmed by the device."""
        await self.async_command(action("start"))

    async def async_pause(self) -> None:
        """Pause, confirmed by the device."""
        await self.async_command(action("pause"))

    async def async_stop(self, **kwargs: Any) -> None:
        """Stop, confirmed by the device."""
        await self.async_command(action("stop"))

    async def async_return_to_base(self, **kwargs: Any) -> None:
        """Go back to the dock, confirmed by the device."""
        await self.async_command(action("return_home"))

    async def async_clean_spot(self, **kwargs: Any) -> None:
        """Clean the spot it is on, confirmed by the device."""
        await self.async_command(action("clean_spot"))

    async def async_locate(self, **kwargs: Any) -> None:
        """Make the vacuum make itself heard, confirmed by the device."""
        await self.async_command(action("locate"))

    async def async_set_fan_speed(self, fan_speed: str, **kwargs: Any) -> None:
        """Set the fan speed, confirmed by the device (which refuses one it did not announce)."""
        await self.async_command(fan_speed_command(fan_speed))
