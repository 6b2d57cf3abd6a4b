"""Voluptuous schemas of the protocol v1 payloads (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Callable
import math
import re
from typing import Any, Final

import probatio as vol

from .expiry import MAX_SENT
from .subjects import TOKEN_RE

MAX_ENTITIES: Final = 256
MAX_TEXT_STATE: Final = 255
NON_NUMERIC_SENSOR_CLASSES: Final = frozenset({"enum", "date", "timestamp"})
COLOR_MODES: Final = ("onoff", "brightness", "color_temp", "rgb")
MAC_RE: Final = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")


type Validator = Callable[[Any], Any]


def _no_nul(value: str) -> str:
    if "\0" in value:
        raise vol.Invalid("U+0000 is not allowed in strings")
    return value


def _string(max_len: int, min_len: int = 0) -> Validator:
    return vol.All(str, vol.Length(min=min_len, max=max_len), _no_nul)


def number(value: Any) -> float | int:
    """Accept JSON numbers only (bools are ints in Python, NaN is not JSON)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise vol.Invalid("expected a number")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        finite = False
    if not finite:
        raise vol.Invalid("expected a finite number")
    result: float | int = value
    return result


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise vol.Invalid("expected an integer")
    result: int = value
    return result


def major_version(value: Any) -> int:
    """Accept only the major protocol version this code implements."""
    version = _integer(value)
    if version != 1:
        raise vol.Invalid(f"unsupported protocol version {version}")
    return version


TOKEN: Final = vol.All(str, vol.Match(TOKEN_RE, msg="must match ^[a-z0-9_-]{1,64}$"))
NAME: Final = _string(128, 1)
INFO_TEXT: Final = _string(128)
ON_OFF: Final = vol.Any(None, "ON", "OFF", msg="expected 'ON', 'OFF' or null")
RGB: Final = vol.All([vol.All(_integer, vol.Range(0, 255))], vol.Length(3, 3, msg="expected [r, g, b]"))
KELVIN: Final = vol.All(_integer, vol.Range(1000, 20000))
BRIGHTNESS: Final = vol.All(_integer, vol.Range(0, 255))

_COMMON_ENTITY: Final[dict[Any, Any]] = {
    vol.Required("platform"): str,
    vol.Required("id"): TOKEN,
    vol.Optional("name"): vol.Any(None, NAME),
    vol.Optional("device_class"): vol.Any(
        None, vol.All(str, vol.Match(r"^[a-z_]{1,64}$", msg="invalid device_class"))
    ),
    vol.Optional("category"): vol.Any(None, "config", "diagnostic"),
    vol.Optional("icon"): vol.Any(
        None, vol.All(str, vol.Match(r"^mdi:[a-z0-9-]{1,60}$", msg="invalid icon"))
    ),
    vol.Optional("enabled_by_default", default=True): bool,
}


def _entity_schema(extra: dict[Any, Any]) -> vol.Schema:
    return vol.Schema({**_COMMON_ENTITY, **extra}, extra=vol.REMOVE_EXTRA)


def _light_modes(modes: list[str]) -> list[str]:
    if len(set(modes)) != len(modes):
        raise vol.Invalid("duplicate colour modes")
    for alone in ("onoff", "brightness"):
        if alone in modes and len(modes) > 1:
            raise vol.Invalid(f"{alone!r} cannot be combined with other colour modes")
    return modes


def _kelvin_range(entity: dict[str, Any]) -> dict[str, Any]:
    if entity["min_kelvin"] >= entity["max_kelvin"]:
        raise vol.Invalid("min_kelvin must be below max_kelvin")
    return entity


def _number_range(entity: dict[str, Any]) -> dict[str, Any]:
    if entity["min"] >= entity["max"]:
        raise vol.Invalid("min must be below max")
    return entity


def _distinct(options: list[str]) -> list[str]:
    if len(set(options)) != len(options):
        raise vol.Invalid("duplicate options")
    return options


OPTIONS: Final = vol.All([_string(64, 1)], vol.Length(min=1, max=64), _distinct)


def _sensor_fields(entity: dict[str, Any]) -> dict[str, Any]:
    """Refuse sensor fields that contradict each other instead of dropping one silently."""
    numeric = entity.get("numeric")
    numeric_fields = [key for key in ("unit", "state_class") if entity.get(key) is not None]
    if numeric is False and numeric_fields:
        raise vol.Invalid(
            f"a text sensor (numeric: false) cannot have a {numeric_fields[0]}", path=[numeric_fields[0]]
        )
    if entity.get("options") is not None:
        if entity.get("device_class") != "enum":
            raise vol.Invalid("options need device_class 'enum'", path=["options"])
        if numeric or numeric_fields:
            raise vol.Invalid(
                "an enum sensor is text: options cannot go with numeric: true, a unit or a state class",
                path=["options"],
            )
    return entity


ENTITY_SCHEMAS: Final[dict[str, Validator]] = {
    "sensor": vol.All(
        _entity_schema(
            {
                vol.Optional("unit"): vol.Any(None, _string(32)),
                vol.Optional("state_class"): vol.Any(None, "measurement", "total", "total_increasing"),
                vol.Optional("precision"): vol.Any(None, vol.All(_integer, vol.Range(0, 10))),
                vol.Optional("numeric"): vol.Any(None, bool),
                vol.Optional("options"): vol.Any(None, OPTIONS),
            }
        ),
        _sensor_fields,
    ),
    "binary_sensor": _entity_schema({}),
    "switch": _entity_schema({}),
    "button": _entity_schema({}),
    "light": vol.All(
        _entity_schema(
            {
                vol.Required("color_modes"): vol.All([vol.In(COLOR_MODES)], vol.Length(min=1), _light_modes),
                vol.Optional("min_kelvin", default=2000): KELVIN,
                vol.Optional("max_kelvin", default=6500): KELVIN,
            }
        ),
        _kelvin_range,
    ),
    "number": vol.All(
        _entity_schema(
            {
                vol.Optional("min", default=0): number,
                vol.Optional("max", default=100): number,
                vol.Optional("step", default=1): vol.All(number, vol.Range(min=0, min_included=False)),
                vol.Optional("unit"): vol.Any(None, _string(32)),
                vol.Optional("mode", default="auto"): vol.In(("auto", "box", "slider")),
            }
        ),
        _number_range,
    ),
    "select": _entity_schema(
        {
            vol.Required("options"): OPTIONS,
        }
    ),
}


def _entity(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise vol.Invalid("expected an entity object")
    platform = value.get("platform")
    if not isinstance(platform, str) or platform not in ENTITY_SCHEMAS:
        raise vol.Invalid(f"unknown platform {platform!r}", path=["platform"])
    result: dict[str, Any] = ENTITY_SCHEMAS[platform](value)
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
        vol.Optional("heartbeat_interval", default=60): vol.All(_integer, vol.Range(1, 3600)),
        vol.Required("entities"): vol.All([_entity], vol.Length(max=MAX_ENTITIES), _unique_entity_ids),
    },
    extra=vol.REMOVE_EXTRA,
)

OPTIONAL_VERSION: Final = {vol.Optional("v"): major_version}

HEARTBEAT_SCHEMA: Final = vol.Schema(
    {
        vol.Required("v"): major_version,
        vol.Required("online"): bool,
        vol.Required("interval"): vol.All(_integer, vol.Range(1, 3600)),
        vol.Optional("uptime"): vol.Any(None, number),
    },
    extra=vol.REMOVE_EXTRA,
)

TEXT_STATE: Final = _string(MAX_TEXT_STATE)

LIGHT_STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): ON_OFF,
        vol.Optional("brightness"): vol.Any(None, BRIGHTNESS),
        vol.Optional("color_mode"): vol.Any(None, vol.In(COLOR_MODES)),
        vol.Optional("color_temp_kelvin"): vol.Any(None, KELVIN),
        vol.Optional("rgb"): vol.Any(None, RGB),
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

MAX_TTL: Final = 3_600_000
COMMAND_COMMON: Final = {
    **OPTIONAL_VERSION,
    # Command expiry (docs/protocol.md): the three fields travel together.
    vol.Inclusive("clock", "expiry"): TOKEN,
    vol.Inclusive("sent", "expiry"): vol.All(_integer, vol.Range(0, MAX_SENT)),
    vol.Inclusive("ttl", "expiry"): vol.All(_integer, vol.Range(1, MAX_TTL)),
}
COMMAND_SCHEMAS: Final[dict[str, vol.Schema]] = {
    "switch": vol.Schema({**COMMAND_COMMON, vol.Required("state"): vol.Any("ON", "OFF")}),
    "light": vol.Schema(
        {
            **COMMAND_COMMON,
            vol.Required("state"): vol.Any("ON", "OFF"),
            vol.Optional("brightness"): BRIGHTNESS,
            vol.Optional("color_temp_kelvin"): KELVIN,
            vol.Optional("rgb"): RGB,
            vol.Optional("transition"): vol.All(number, vol.Range(0, 3600)),
        },
        extra=vol.REMOVE_EXTRA,
    ),
    "button": vol.Schema({**COMMAND_COMMON, vol.Required("action"): "press"}),
    "number": vol.Schema({**COMMAND_COMMON, vol.Required("value"): number}),
    "select": vol.Schema({**COMMAND_COMMON, vol.Required("option"): _string(64, 1)}),
}
