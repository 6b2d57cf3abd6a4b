"""NATS valves: open, close and stop, to a position."""

from __future__ import annotations

from homeassistant.components.valve import ValveDeviceClass, ValveEntity, ValveEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.valve import ValveInfo, ValveState, action, move
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add valves as devices announce them."""
    async_setup_platform_entities(entry, "valve", async_add_entities, NatsValve)


class NatsValve(NatsEntity[ValveInfo, ValveState], ValveEntity):
    """A valve whose commands the device confirms."""

    def __init__(self, hub: NatsHub, device_id: str, description: ValveInfo) -> None:
        """Describe the valve from its announced capabilities."""
        super().__init__(hub, device_id, description)
        self._attr_device_class = device_class_of(ValveDeviceClass, description, device_id)
        self._attr_assumed_state = description.assumed_state
        self._attr_reports_position = description.supports_position
        features = ValveEntityFeature.OPEN | ValveEntityFeature.CLOSE
        if description.supports_position:
            features |= ValveEntityFeature.SET_POSITION
        if description.supports_stop:
            features |= ValveEntityFeature.STOP
        self._attr_supported_features = features

    def apply_state(self, value: ValveState) -> None:
        """Store the motion state and position (None: unknown)."""
        self._attr_is_closed = None if value.state is None else value.state == "closed"
        self._attr_is_opening = value.state == "opening"
        self._attr_is_closing = value.state == "closing"
        self._attr_current_valve_position = value.position

    async def async_open_valve(self) -> None:
        """Open fully, confirmed by the device."""
        await self.async_command(action("open"))

    async def async_close_valve(self) -> None:
        """Close fully, confirmed by the device."""
        await self.async_command(action("close"))

    async def async_set_valve_position(self, position: int) -> None:
        """Move to a position, confirmed by the device.

        Home Assistant also opens and closes a valve with a position this way
        (to 100 and 0), which the protocol allows.
        """
        await self.async_command(move(position))

    async def async_stop_valve(self) -> None:
        """Stop moving, confirmed by the device."""
        await self.async_command(action("stop"))
