"""Logbook entries for the integration's own events: a device going offline and coming back.

Event entities and entities turning unavailable are already in the logbook
as state changes; only the device-level event (device_events.py) is
described here. Home Assistant's logbook takes messages as text in the
server's language (it has no translation keys), so they are English, as in
Home Assistant's own integrations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN
from .device_events import EVENT_DEVICE_AVAILABILITY

MESSAGES = {
    True: "came online: the NATS device is heard again",
    False: "went offline: the NATS device said goodbye or fell silent",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event[Any]], dict[str, str]]], None],
) -> None:
    """Describe a device's availability changes."""

    @callback
    def _describe(event: Event[Any]) -> dict[str, str]:
        data = event.data
        return {
            LOGBOOK_ENTRY_NAME: str(data.get("name") or data.get("nats_device_id")),
            LOGBOOK_ENTRY_MESSAGE: MESSAGES[bool(data.get("available"))],
        }

    async_describe_event(DOMAIN, EVENT_DEVICE_AVAILABILITY, _describe)
