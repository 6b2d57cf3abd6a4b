"""NATS lawn mowers: start mowing, pause, stop and dock."""

from __future__ import annotations

from typing import Final

from homeassistant.components.lawn_mower import LawnMowerActivity, LawnMowerEntity, LawnMowerEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.lawn_mower import LawnMowerInfo, LawnMowerState, action
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0

FEATURES: Final = {
    "start_mowing": LawnMowerEntityFeature.START_MOWING,
    "pause": LawnMowerEntityFeature.PAUSE,
    "stop": LawnMowerEntityFeature.STOP,
    "dock": LawnMowerEntityFeature.DOCK,
}


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add lawn mowers as devices announce them."""
    async_setup_platform_entities(entry, "lawn_mower", async_add_entities, NatsLawnMower)


class NatsLawnMower(NatsEntity[LawnMowerInfo, LawnMowerState], LawnMowerEntity):
    """A lawn mower whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: LawnMowerInfo) -> None:
        """Offer the actions the mower announced."""
        super().__init__(hub, device_id, description)
        features = LawnMowerEntityFeature(0)
        for name, feature in FEATURES.items():
            if description.supports(name):
                features |= feature
        self._attr_supported_features = features

    def apply_state(self, value: LawnMowerState) -> None:
        """Store the activity (None: unknown)."""
        self._attr_activity = None if value.state is None else LawnMowerActivity(value.state)

    async def async_start_mowing(self) -> None:
        """Start or resume mowing, confirmed by the device."""
        await self.async_command(action("start_mowing"))

    async def async_pause(self) -> None:
        """Pause, confirmed by the device."""
        await self.async_command(action("pause"))

    async def async_stop(self) -> None:
        """Stop where it is, confirmed by the device."""
        await self.async_command(action("stop"))

    async def async_dock(self) -> None:
        """Go back to the dock, confirmed by the device."""
        await self.async_command(action("dock"))
