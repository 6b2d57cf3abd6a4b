"""The integration's own bus event: a device going offline or coming back (logbook.py describes it).

Home Assistant's logbook already shows each event entity's events and
each entity becoming unavailable, except for sensors with a unit or a
state class, which it leaves out entirely: a device of only such sensors
would go offline unseen. One event per device says it once, on the device.
"""

from __future__ import annotations

from typing import Final, TypedDict

from homeassistant.core import HomeAssistant, callback

from .device_runtime import DeviceRuntime

EVENT_DEVICE_AVAILABILITY: Final = "nats_device_availability"


class DeviceAvailabilityData(TypedDict):
    """What the event carries: the registry device (for the logbook's device filter) and the NATS device."""

    device_id: str
    nats_device_id: str
    name: str
    available: bool


@callback
def async_fire_availability(hass: HomeAssistant, device: DeviceRuntime) -> None:
    """Fire the event for a device whose availability just changed.

    Not for a device's first sign of life since set-up (it is heard before
    its announcement is applied): being discovered is not coming back.
    """
    if device.device_entry is None:
        return
    data: DeviceAvailabilityData = {
        "device_id": device.device_entry.id,
        "nats_device_id": device.id,
        "name": device.name,
        "available": device.liveness.available,
    }
    hass.bus.async_fire(EVENT_DEVICE_AVAILABILITY, dict(data))
