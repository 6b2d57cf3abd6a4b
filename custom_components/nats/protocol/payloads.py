"""Decoding and validation of protocol payloads into typed models.

What is per platform is delegated to the platform's module through the
registry; this module holds no platform knowledge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .codec import MAX_ANNOUNCEMENT_BYTES, decode_json, encode
from .errors import ProtocolError
from .models import DeviceAnnouncement, Heartbeat, Reply
from .platform import EntityInfo
from .platforms import PLATFORMS
from .schemas import ANNOUNCEMENT_SCHEMA, HEARTBEAT_SCHEMA, REPLY_SCHEMA
from .tokens import is_valid_token
from .validators import major_version, validate

_DEVICE_INFO_FIELDS: Final = (
    "manufacturer",
    "model",
    "sw_version",
    "hw_version",
    "mac",
    "suggested_area",
)

__all__ = [
    "claimed_device_id",
    "decode_json",
    "describe_entity",
    "encode",
    "parse_announcement",
    "parse_command",
    "parse_event",
    "parse_heartbeat",
    "parse_reply",
    "parse_state",
    "state_from_mapping",
]


def describe_entity(entity: Mapping[str, Any]) -> EntityInfo:
    """Validate one announcement entity object and return its typed description."""
    platform_name = entity.get("platform")
    platform = PLATFORMS.get(platform_name) if isinstance(platform_name, str) else None
    if platform is None:
        raise ProtocolError(f"unknown platform {platform_name!r}")
    info: EntityInfo = platform.describe(validate(platform.entity_schema, dict(entity)))
    return info


def parse_announcement(raw: bytes, subject_device: str) -> DeviceAnnouncement:
    """Validate an announcement received on the announce subject of subject_device.

    subject_device is '' for the bare announce subject, where the id comes from
    the payload alone.
    """
    data = validate(ANNOUNCEMENT_SCHEMA, decode_json(raw, MAX_ANNOUNCEMENT_BYTES))
    if subject_device and data["id"] != subject_device:
        raise ProtocolError(f"payload id {data['id']!r} differs from subject device {subject_device!r}")
    info = {key: data.get(key) for key in _DEVICE_INFO_FIELDS}
    if info["mac"]:
        info["mac"] = info["mac"].replace("-", ":").lower()
    return DeviceAnnouncement(
        id=data["id"],
        name=data["name"],
        heartbeat_interval=data["heartbeat_interval"],
        entities=tuple(PLATFORMS[entity["platform"]].describe(entity) for entity in data["entities"]),
        config=data["config"],
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
    data = validate(HEARTBEAT_SCHEMA, decode_json(raw))
    return Heartbeat(online=data["online"], interval=data["interval"], uptime=data.get("uptime"))


def parse_state(entity: EntityInfo, raw: bytes) -> object:
    """Validate a state payload against the entity it belongs to."""
    return state_from_mapping(entity, decode_json(raw))


def state_from_mapping(entity: EntityInfo, data: Mapping[str, Any]) -> object:
    """Validate an already decoded state object (a state message or a reply's state)."""
    if "v" in data:
        validate(major_version, data["v"])
    if "state" not in data:
        raise ProtocolError("required key not provided @ data['state']")
    value: object = PLATFORMS[entity.platform].parse_state(entity, data)
    return value


def parse_event(entity: EntityInfo, raw: bytes) -> object:
    """Validate an event payload against the entity it belongs to."""
    data = decode_json(raw)
    if "v" in data:
        validate(major_version, data["v"])
    value: object = PLATFORMS[entity.platform].parse_event(entity, data)
    return value


def parse_reply(raw: bytes) -> Reply:
    """Validate a command reply."""
    data = validate(REPLY_SCHEMA, decode_json(raw))
    return Reply(ok=data["ok"], state=data.get("state"), error=data.get("error"))


def parse_command(platform_name: str, raw: bytes) -> dict[str, Any]:
    """Validate a command for a platform (the device side of the protocol)."""
    platform = PLATFORMS.get(platform_name)
    if platform is None or platform.command_schema is None:
        raise ProtocolError(f"platform {platform_name!r} takes no commands")
    result: dict[str, Any] = validate(platform.command_schema, decode_json(raw))
    return result
