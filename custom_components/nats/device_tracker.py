"""NATS device trackers: a GPS position, or present at home as a router or Bluetooth scanner sees it."""

from __future__ import annotations

from homeassistant.components.device_tracker import BaseScannerEntity, SourceType, TrackerEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities
from .hub import NatsHub
from .protocol.platforms.device_tracker import DeviceTrackerInfo, DeviceTrackerState
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add device trackers as devices announce them."""
    async_setup_platform_entities(entry, "device_tracker", async_add_entities, tracker_for)


def tracker_for(
    hub: NatsHub, device_id: str, description: DeviceTrackerInfo
) -> NatsGpsTracker | NatsPresenceTracker:
    """Return the entity of the announced source type: a position or a presence."""
    if description.is_gps:
        return NatsGpsTracker(hub, device_id, description)
    return NatsPresenceTracker(hub, device_id, description)


class NatsGpsTracker(NatsEntity[DeviceTrackerInfo, DeviceTrackerState], TrackerEntity):
    """A GPS tracker: Home Assistant finds its zone (home, not_home or a zone's name) from the position."""

    _attr_source_type = SourceType.GPS

    def apply_state(self, value: DeviceTrackerState) -> None:
        """Store the position (None while there is no fix: unknown)."""
        self._attr_latitude = value.latitude
        self._attr_longitude = value.longitude
        self._attr_location_accuracy = value.gps_accuracy or 0


class NatsPresenceTracker(NatsEntity[DeviceTrackerInfo, DeviceTrackerState], BaseScannerEntity):
    """A tracker that sees whether something is at home: a router's client list, a Bluetooth scan.

    BaseScannerEntity rather than ScannerEntity: the latter ties the entity to
    a MAC address and to no device, while this one belongs to the announcing device.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: DeviceTrackerInfo) -> None:
        """Describe the tracker and its source."""
        super().__init__(hub, device_id, description)
        self._attr_source_type = SourceType(description.source_type)
        self._connected: bool | None = None

    @property
    def is_connected(self) -> bool | None:
        """Whether the tracked thing is at home (None: unknown)."""
        return self._connected

    def apply_state(self, value: DeviceTrackerState) -> None:
        """Store home or not_home (None: unknown)."""
        self._connected = None if value.state is None else value.state == "home"
