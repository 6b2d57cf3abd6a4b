"""Decoding and validation of protocol payloads into typed models."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
import json
import re
from typing import Any, Final

import probatio as vol
from probatio.humanize import humanize_error

from .errors import ProtocolError
from .models import DeviceAnnouncement, EntityDescription, Heartbeat, LightState, Reply, StateValue
from .schemas import (
    ANNOUNCEMENT_SCHEMA,
    COMMAND_SCHEMAS,
    HEARTBEAT_SCHEMA,
    LIGHT_STATE_SCHEMA,
    NON_NUMERIC_SENSOR_CLASSES,
    REPLY_SCHEMA,
    TEXT_STATE,
    major_version,
    number,
)
from .subjects import is_valid_token

MAX_ANNOUNCEMENT_BYTES: Final = 64 * 1024
MAX_PAYLOAD_BYTES: Final = 16 * 1024
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")
_NUL_ESCAPE: Final = re.compile(rb"\\u0000")

_ENTITY_FIELDS: Final = frozenset(EntityDescription.__dataclass_fields__)
_DEVICE_INFO_FIELDS: Final = (
    "manufacturer",
    "model",
    "sw_version",
    "hw_version",
    "mac",
    "suggested_area",
)


def decode_json(raw: bytes, limit: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """Decode a JSON object payload, refusing oversize or non-object payloads."""
    if len(raw) > limit:
        raise ProtocolError(f"payload of {len(raw)} bytes exceeds the limit of {limit}")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as err:
        raise ProtocolError(f"invalid JSON: {err}") from None
    if not isinstance(data, dict):
        raise ProtocolError("payload is not a JSON object")
    if _SURROGATE_ESCAPE.search(raw) is not None:
        # A \ud800-style escape may leave a lone surrogate: not Unicode text,
        # which Home Assistant can neither store nor serialise.
        try:
            json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            raise ProtocolError("string with a lone surrogate escape is not Unicode text") from None
    if _NUL_ESCAPE.search(raw) is not None and _has_nul(data):
        # Anywhere, keys included: a device keeping strings as C strings cannot hold it.
        raise ProtocolError("U+0000 is not allowed in strings")
    return data


def _has_nul(data: Any) -> bool:
    """Return whether any string (or key) holds U+0000; iterative, as nesting may be deep."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\0" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _validate(schema: Callable[[Any], Any], data: Any) -> Any:
    try:
        return schema(data)
    except vol.Invalid as err:
        raise ProtocolError(humanize_error(data, err)) from None


def _default_name(entity_id: str) -> str:
    return entity_id.replace("_", " ").replace("-", " ").capitalize()


def _entity(data: dict[str, Any]) -> EntityDescription:
    fields = {key: value for key, value in data.items() if key in _ENTITY_FIELDS}
    for key in ("color_modes", "options"):
        if fields.get(key) is not None:
            fields[key] = tuple(fields[key])
        else:
            fields.pop(key, None)  # null: the default, none
    if "name" not in data:
        fields["name"] = _default_name(data["id"])
    return EntityDescription(**fields)


def parse_announcement(raw: bytes, subject_device: str) -> DeviceAnnouncement:
    """Validate an announcement received on the announce subject of subject_device.

    subject_device is '' for the bare announce subject, where the id comes from
    the payload alone.
    """
    data = _validate(ANNOUNCEMENT_SCHEMA, decode_json(raw, MAX_ANNOUNCEMENT_BYTES))
    if subject_device and data["id"] != subject_device:
        raise ProtocolError(f"payload id {data['id']!r} differs from subject device {subject_device!r}")
    info = {key: data.get(key) for key in _DEVICE_INFO_FIELDS}
    if info["mac"]:
        info["mac"] = info["mac"].replace("-", ":").lower()
    return DeviceAnnouncement(
        id=data["id"],
        name=data["name"],
        heartbeat_interval=data["heartbeat_interval"],
        entities=tuple(_entity(entity) for entity in data["entities"]),
        **info,
    )


def claimed_device_id(raw: bytes) -> str | None:
    """Return the id an invalid announcement claims, if it holds a valid one (for logs)."""
    try:
        data = decode_json(raw, MAX_ANNOUNCEMENT_BYTES)
    except ProtocolError:
        return None
    device_id = data.get("id")
    return device_id if isinstance(device_id, str) and is_valid_token(device_id) else None


def parse_heartbeat(raw: bytes) -> Heartbeat:
    """Validate a heartbeat payload."""
    data = _validate(HEARTBEAT_SCHEMA, decode_json(raw))
    return Heartbeat(online=data["online"], interval=data["interval"], uptime=data.get("uptime"))


def is_numeric_sensor(entity: EntityDescription) -> bool:
    """Return whether a sensor's state must be a number (docs/protocol.md)."""
    if entity.numeric is not None:
        return entity.numeric
    return (
        entity.unit is not None
        or entity.state_class is not None
        or (entity.device_class is not None and entity.device_class not in NON_NUMERIC_SENSOR_CLASSES)
    )


def parse_timestamp(text: str) -> datetime | None:
    """Return an ISO 8601 date and time with a time zone (as UTC), or None if it is not one."""
    try:
        value = datetime.fromisoformat(text)
        return value.astimezone(UTC) if value.tzinfo is not None else None
    except (ValueError, OverflowError):  # e.g. year 1 at +01:00 is before year 1 in UTC
        return None


def parse_epoch(seconds: float) -> datetime | None:
    """Return seconds since the Unix epoch as a UTC datetime, or None if out of range."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_date(text: str) -> date | None:
    """Return an ISO 8601 date, or None if the text is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _sensor_state(entity: EntityDescription, value: Any) -> StateValue:
    """Validate a sensor's non-null state: a number, or text of its device class."""
    if is_numeric_sensor(entity):
        numeric: float | int = _validate(number, value)
        if entity.device_class == "timestamp" and parse_epoch(numeric) is None:
            raise ProtocolError(f"timestamp {numeric!r} is out of range")
        return numeric
    text: str = _validate(TEXT_STATE, value)
    if entity.options and text not in entity.options:
        raise ProtocolError(f"option {text!r} was not announced")
    if entity.device_class == "timestamp" and parse_timestamp(text) is None:
        raise ProtocolError(f"{text!r} is not an ISO 8601 date and time with a time zone")
    if entity.device_class == "date" and parse_date(text) is None:
        raise ProtocolError(f"{text!r} is not an ISO 8601 date")
    return text


def parse_state(entity: EntityDescription, raw: bytes) -> StateValue:
    """Validate a state payload against the entity it belongs to."""
    return state_from_mapping(entity, decode_json(raw))


def state_from_mapping(entity: EntityDescription, data: Mapping[str, Any]) -> StateValue:
    """Validate an already decoded state object (a state message or a reply's state)."""
    if "v" in data:
        _validate(major_version, data["v"])
    if "state" not in data:
        raise ProtocolError("required key not provided @ data['state']")
    value = data["state"]
    platform = entity.platform
    if platform == "light":
        light = _validate(LIGHT_STATE_SCHEMA, dict(data))
        mode = light.get("color_mode")
        if mode is not None and mode not in entity.color_modes:
            raise ProtocolError(f"colour mode {mode!r} was not announced")
        kelvin = light.get("color_temp_kelvin")
        if kelvin is not None and not entity.min_kelvin <= kelvin <= entity.max_kelvin:
            raise ProtocolError(
                f"color_temp_kelvin {kelvin} is outside the announced range "
                f"{entity.min_kelvin}..{entity.max_kelvin}"
            )
        rgb = light.get("rgb")
        return LightState(
            state=light["state"],
            brightness=light.get("brightness"),
            color_mode=mode,
            color_temp_kelvin=kelvin,
            rgb=(rgb[0], rgb[1], rgb[2]) if rgb is not None else None,
        )
    if value is None:
        return None
    if platform in ("binary_sensor", "switch"):
        if value not in ("ON", "OFF"):
            raise ProtocolError(f"state {value!r} is not 'ON', 'OFF' or null")
        return str(value)
    if platform == "sensor":
        return _sensor_state(entity, value)
    if platform == "number":
        numeric: float | int = _validate(number, value)
        return numeric
    if platform == "select":
        if value not in entity.options:
            raise ProtocolError(f"option {value!r} was not announced")
        return str(value)
    raise ProtocolError(f"platform {platform!r} has no state")


def parse_reply(raw: bytes) -> Reply:
    """Validate a command reply."""
    data = _validate(REPLY_SCHEMA, decode_json(raw))
    return Reply(ok=data["ok"], state=data.get("state"), error=data.get("error"))


def parse_command(platform: str, raw: bytes) -> dict[str, Any]:
    """Validate a command for a platform (the device side of the protocol)."""
    schema = COMMAND_SCHEMAS.get(platform)
    if schema is None:
        raise ProtocolError(f"platform {platform!r} takes no commands")
    result: dict[str, Any] = _validate(schema, decode_json(raw))
    return result


def encode(payload: Mapping[str, Any]) -> bytes:
    """Encode a payload compactly."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
