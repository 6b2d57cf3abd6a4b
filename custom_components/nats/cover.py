"""NATS covers: open, close and stop, to a position, with a tilt."""

from __future__ import annotations

from typing import Any

from homeassistant.components.cover import (
    ATTR_POSITION,
    ATTR_TILT_POSITION,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.cover import CoverInfo, CoverState, action, move
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add covers as devices announce them."""
    async_setup_platform_entities(entry, "cover", async_add_entities, NatsCover)


class NatsCover(NatsEntity[CoverInfo, CoverState], CoverEntity):
    """A cover whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: CoverInfo) -> None:
        """Describe the cover from its announced capabilities."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(CoverDeviceClass, description, device_id)
        self._attr_assumed_state = description.assumed_state
        self._attr_is_closed = None
        features = CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE
        if description.supports_position:
            features |= CoverEntityFeature.SET_POSITION
        if description.supports_stop:
            features |= CoverEntityFeature.STOP
        if description.supports_tilt:
            features |= (
                CoverEntityFeature.OPEN_TILT
                | CoverEntityFeature.CLOSE_TILT
                | CoverEntityFeature.SET_TILT_POSITION
            )
            if description.supports_stop:
                # The protocol's stop halts the cover and its tilt alike.
                features |= CoverEntityFeature.STOP_TILT
        self._attr_supported_features = features

    def apply_state(self, value: CoverState) -> None:
        """Store the motion state, position and tilt (None: unknown)."""
        self._attr_is_closed = None if value.state is None else value.state == "closed"
        self._attr_is_opening = value.state == "opening"
        self._attr_is_closing = value.state == "closing"
        self._attr_current_cover_position = value.position
        self._attr_current_cover_tilt_position = value.tilt

    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open fully, confirmed by the device."""
        await self.async_command(action("open"))

    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close fully, confirmed by the device."""
        await self.async_command(action("close"))

    async def async_stop_cover(self, **kwargs: Any) -> None:
        """Stop moving, confirmed by the device."""
        await self.async_command(action("stop"))

    async def async_set_cover_position(self, **kwargs: Any) -> None:
        """Move to a position, confirmed by the device."""
        await self.async_command(move(position=kwargs[ATTR_POSITION]))

    async def async_open_cover_tilt(self, **kwargs: Any) -> None:
        """Tilt fully open, confirmed by the device."""
        await self.async_command(move(tilt=100))

    async def async_close_cover_tilt(self, **kwargs: Any) -> None:
        """Tilt closed, confirmed by the device."""
        await self.async_command(move(tilt=0))

    async def async_set_cover_tilt_position(self, **kwargs: Any) -> None:
        """Tilt to a position, confirmed by the device."""
        await self.async_command(move(tilt=kwargs[ATTR_TILT_POSITION]))

    async def async_stop_cover_tilt(self, **kwargs: Any) -> None:
        """Stop the tilt: the protocol has one stop for cover and tilt."""
        await self.async_command(action("stop"))
