"""Device triggers: one per event type of each event entity a device announced.

A trigger is `type: <event type>` on the event entity (`entity_id`): the
type says what happened, the entity where, as in other integrations' button
triggers. The event types come from the entity registry's capabilities, so
triggers are listed and validated while the device is offline too.

A trigger fires on the event entity's state change, not on a bus event of
this integration's own: it is what Home Assistant's `event.received`
trigger reacts to, so a device trigger and an entity trigger on the same
event agree, and a disabled event entity fires neither. Like
`event.received` it fires only when the state moves to a new event, never
when the entity comes back from unavailable or is restored after a restart
(those show the last event again; they are not events). Its variables are
those of a state trigger (`trigger.to_state.attributes` holds the event's
attributes) plus `event_type`.

Event types without a translation (any word a device chooses) show as the
bare type in the automation editor; the standard ones (Home Assistant's
button and doorbell types, ESPHome's customary ones) read as a sentence
with the entity's name.
"""

from __future__ import annotations

from typing import Any

import probatio as vol

from homeassistant.components.device_automation import (
    DEVICE_TRIGGER_BASE_SCHEMA,
    async_validate_entity_schema,
)
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES, DOMAIN as EVENT_DOMAIN
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_ENTITY_ID,
    CONF_PLATFORM,
    CONF_TYPE,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HassJob, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_ENTITY_ID): cv.entity_id_or_uuid,
        vol.Required(CONF_TYPE): cv.string,
    }
)


def _event_types(entry: er.RegistryEntry) -> list[str]:
    """Return the event types of one of this integration's event entities ([] for any other)."""
    if entry.platform != DOMAIN or entry.domain != EVENT_DOMAIN or not entry.capabilities:
        return []
    return list(entry.capabilities.get(ATTR_EVENT_TYPES, []))


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """List a trigger for every event type of every enabled event entity of the device."""
    registry = er.async_get(hass)
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_ENTITY_ID: entry.id,
            CONF_TYPE: event_type,
        }
        for entry in er.async_entries_for_device(registry, device_id)
        for event_type in _event_types(entry)
    ]


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """Validate a trigger: an event entity of this integration and one of its event types."""
    config = async_validate_entity_schema(hass, config, TRIGGER_SCHEMA)
    entry = er.async_get(hass).async_get(config[CONF_ENTITY_ID] or "")
    if entry is None or config[CONF_TYPE] not in _event_types(entry):
        msg = f"{config[CONF_ENTITY_ID]} has no event type {config[CONF_TYPE]!r}"
        raise InvalidDeviceAutomationConfig(msg)
    return config


async def async_attach_trigger(
    hass: HomeAssistant, config: ConfigType, action: TriggerActionType, trigger_info: TriggerInfo
) -> CALLBACK_TYPE:
    """Run the action for every new event of the configured type on the entity."""
    entity_id: str = config[CONF_ENTITY_ID]
    event_type: str = config[CONF_TYPE]
    job = HassJob(action, f"nats device trigger {trigger_info}")
    trigger_data = trigger_info["trigger_data"]

    @callback
    def _state_changed(event: Event[EventStateChangedData]) -> None:
        old, new = event.data["old_state"], event.data["new_state"]
        if (
            old is None
            or new is None
            or old.state == STATE_UNAVAILABLE
            or new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN)
            or old.state == new.state
            or new.attributes.get(ATTR_EVENT_TYPE) != event_type
        ):
            return
        hass.async_run_hass_job(
            job,
            {
                "trigger": {
                    **trigger_data,
                    "platform": "device",
                    "domain": DOMAIN,
                    "device_id": config[CONF_DEVICE_ID],
                    "entity_id": entity_id,
                    "type": event_type,
                    "event_type": event_type,
                    "from_state": old,
                    "to_state": new,
                    "description": f"{event_type} event of {entity_id}",
                }
            },
            event.context,
        )

    return async_track_state_change_event(hass, entity_id, _state_changed)
