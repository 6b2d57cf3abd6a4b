"""device_tracker: where something is, by GPS position or by being seen at home (router, Bluetooth)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, number, validate

SOURCE_TYPES: Final = ("gps", "router", "bluetooth", "bluetooth_le")
GPS_STATES: Final = ("located",)
PRESENCE_STATES: Final = ("home", "not_home")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceTrackerInfo(EntityInfo):
    """An announced tracker; its source type decides what its state holds."""

    source_type: str

    @property
    def is_gps(self) -> bool:
        """Whether the tracker reports a position (else: home or not)."""
        return self.source_type == "gps"


@dataclass(frozen=True, slots=True)
class DeviceTrackerState:
    """A validated tracker state; the position only for a GPS tracker that has a fix."""

    state: str | None
    latitude: float | None = None
    longitude: float | None = None
    gps_accuracy: float | None = None


def _in_range(low: float, high: float) -> Any:
    return vol.All(number, vol.Range(low, high))


GPS_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): vol.In(GPS_STATES, msg="expected 'located' or null"),
        vol.Required("latitude"): _in_range(-90, 90),
        vol.Required("longitude"): _in_range(-180, 180),
        vol.Optional("gps_accuracy"): vol.Any(None, vol.All(number, vol.Range(min=0))),
    },
    extra=vol.REMOVE_EXTRA,
)
PRESENCE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): vol.Any(None, *PRESENCE_STATES, msg="expected 'home', 'not_home' or null"),
    },
    extra=vol.REMOVE_EXTRA,
)


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("device trackers have no device_class")


class DeviceTrackerPlatform(Platform[DeviceTrackerInfo, DeviceTrackerState]):
    """The device_tracker platform: states only, no commands."""

    name = "device_tracker"
    info_type = DeviceTrackerInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Required("source_type"): vol.In(SOURCE_TYPES, msg=f"expected one of {', '.join(SOURCE_TYPES)}"),
    }

    def parse_state(self, info: DeviceTrackerInfo, data: Mapping[str, Any]) -> DeviceTrackerState:
        """Read a GPS tracker's position ('located') or another tracker's presence; null: unknown."""
        if not info.is_gps:
            return DeviceTrackerState(validate(PRESENCE_SCHEMA, data)["state"])
        if data["state"] is None:
            return DeviceTrackerState(None)
        if data["state"] in PRESENCE_STATES:
            # The zone of a GPS tracker follows from its position, in the controller's zones.
            raise ProtocolError(f"state {data['state']!r} of a GPS tracker: send 'located' with a position")
        located = validate(GPS_SCHEMA, data)
        accuracy = located.get("gps_accuracy")
        return DeviceTrackerState(
            "located", located["latitude"], located["longitude"], 0 if accuracy is None else accuracy
        )


PLATFORM: Final = DeviceTrackerPlatform()
