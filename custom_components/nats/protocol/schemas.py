"""Schemas of the messages that are not per platform: announcement, heartbeat, reply."""

from __future__ import annotations

import re
from typing import Any, Final

import probatio as vol

from .config_settings import CONFIG_SCHEMA
from .platforms import PLATFORMS
from .validators import INFO_TEXT, NAME, OPTIONAL_VERSION, TOKEN, integer, major_version, number

MAX_ENTITIES: Final = 256
MAC_RE: Final = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")


def _entity(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise vol.Invalid("expected an entity object")
    name = value.get("platform")
    platform = PLATFORMS.get(name) if isinstance(name, str) else None
    if platform is None:
        raise vol.Invalid(f"unknown platform {name!r}", path=["platform"])
    result: dict[str, Any] = platform.entity_schema(value)
    return result


def _unique_entity_ids(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [entity["id"] for entity in entities]
    if len(set(ids)) != len(ids):
        raise vol.Invalid("entity ids must be unique within a device")
    return entities


ANNOUNCEMENT_SCHEMA: Final = vol.Schema(
    {
        vol.Required("v"): major_version,
        vol.Required("id"): TOKEN,
        vol.Required("name"): NAME,
        vol.Optional("manufacturer"): vol.Any(None, INFO_TEXT),
        vol.Optional("model"): vol.Any(None, INFO_TEXT),
        vol.Optional("sw_version"): vol.Any(None, INFO_TEXT),
        vol.Optional("hw_version"): vol.Any(None, INFO_TEXT),
        vol.Optional("mac"): vol.Any(None, vol.All(str, vol.Match(MAC_RE, msg="invalid MAC"))),
        vol.Optional("suggested_area"): vol.Any(None, INFO_TEXT),
        vol.Optional("heartbeat_interval", default=60): vol.All(integer, vol.Range(1, 3600)),
        vol.Required("entities"): vol.All([_entity], vol.Length(max=MAX_ENTITIES), _unique_entity_ids),
        vol.Optional("config", default=list): CONFIG_SCHEMA,
    },
    extra=vol.REMOVE_EXTRA,
)

HEARTBEAT_SCHEMA: Final = vol.Schema(
    {
        vol.Required("v"): major_version,
        vol.Required("online"): bool,
        vol.Required("interval"): vol.All(integer, vol.Range(1, 3600)),
        vol.Optional("uptime"): vol.Any(None, number),
    },
    extra=vol.REMOVE_EXTRA,
)

REPLY_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("ok"): bool,
        vol.Optional("state"): vol.Any(None, dict),
        vol.Optional("error"): vol.Any(None, vol.All(str, vol.Length(max=255))),
    },
    extra=vol.REMOVE_EXTRA,
)
