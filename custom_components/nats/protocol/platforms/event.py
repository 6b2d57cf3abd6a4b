"""event: momentary happenings of announced types (a press, a ring); no state, no commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import re
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import MAX_TEXT_STATE, number, word_list

DEVICE_CLASSES: Final = ("button", "doorbell", "motion")
MAX_ATTRIBUTES: Final = 16
ATTRIBUTE_KEY: Final = re.compile(r"^[a-z0-9_]{1,64}$")
RESERVED_KEYS: Final = frozenset({"event_type", "event_types"})
"""Home Assistant's own attributes of an event entity, which an event must not shadow."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EventInfo(EntityInfo):
    """An announced event entity."""

    event_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    """A validated event: its type and the details beside it."""

    event_type: str
    attributes: dict[str, str | int | float | bool | None] | None = None


def _attribute_value(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT_STATE:
            msg = f"longer than {MAX_TEXT_STATE} characters"
            raise ValueError(msg)
        return value
    try:
        return number(value)
    except vol.Invalid:
        msg = "not a string, number, boolean or null"
        raise ValueError(msg) from None


def _attributes(value: Any) -> dict[str, str | int | float | bool | None] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProtocolError("attributes must be an object or null")
    if len(value) > MAX_ATTRIBUTES:
        msg = f"attributes has {len(value)} members, at most {MAX_ATTRIBUTES} are allowed"
        raise ProtocolError(msg)
    attributes: dict[str, str | int | float | bool | None] = {}
    for key, item in value.items():
        if not ATTRIBUTE_KEY.match(key) or key in RESERVED_KEYS:
            msg = f"attributes key {key!r} must match {ATTRIBUTE_KEY.pattern} and not be event_type(s)"
            raise ProtocolError(msg)
        try:
            attributes[key] = _attribute_value(item)
        except ValueError as err:
            msg = f"attributes value of {key!r} is {err}"
            raise ProtocolError(msg) from None
    return attributes


class EventPlatform(Platform[EventInfo, None]):
    """The event platform."""

    name = "event"
    info_type = EventInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): vol.Any(None, vol.In(DEVICE_CLASSES)),
        vol.Required("event_types"): word_list(),
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Refuse a doorbell without `ring` among its event types (Home Assistant requires it)."""
        if entity.get("device_class") == "doorbell" and "ring" not in entity["event_types"]:
            raise vol.Invalid("a doorbell must have 'ring' among its event_types")
        return entity

    def parse_event(self, info: EventInfo, data: Mapping[str, Any]) -> Event:
        """Validate an event against the announced event types."""
        event_type = data.get("event_type")
        if not isinstance(event_type, str):
            raise ProtocolError("event_type must be one of the announced event types")
        if event_type not in info.event_types:
            msg = f"event_type {event_type!r} was not announced"
            raise ProtocolError(msg)
        return Event(event_type, _attributes(data.get("attributes")))


PLATFORM: Final = EventPlatform()
