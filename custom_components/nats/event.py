"""NATS event entities: presses, rings and other momentary happenings a device publishes."""

from __future__ import annotations

from homeassistant.components.event import EventDeviceClass, EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import NatsEntity, async_setup_platform_entities, device_class_of
from .hub import NatsHub
from .protocol.platforms.event import Event, EventInfo
from .runtime import NatsConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant, entry: NatsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add event entities as devices announce them."""
    async_setup_platform_entities(entry, "event", async_add_entities, NatsEvent)


class NatsEvent(NatsEntity[EventInfo, None], EventEntity):
    """An event entity fired by each valid event the hub receives live (never a stored one).

    Home Assistant restores the last event seen before a restart as the
    entity's state; that is not an event, and triggers do not fire for it.
    """

    def __init__(self, hub: NatsHub, device_id: str, description: EventInfo) -> None:
        """Describe the entity: its event types and device class."""
        super().__init__(hub, device_id, description)
        self._attr_event_types = list(description.event_types)
        self._attr_device_class = device_class_of(EventDeviceClass, description, device_id)

    def apply_state(self, value: None) -> None:
        """Event entities have no device state."""

    @callback
    def handle_event(self, event: object) -> None:
        """Fire the event with its attributes and write it at once.

        Each event is its own state write: coalescing a burst, as states are,
        would lose events.
        """
        if not isinstance(event, Event):  # the event platform module parsed it: never happens
            return
        self._trigger_event(event.event_type, event.attributes)
        self.async_write_ha_state()
