"""Device configuration (added in 1.4): declared settings, their values and the bucket keeping them.

A device declares its settings in the announcement's `config` list; the
values live in the home's JetStream key-value bucket, one key per (device,
setting), written by the controller and read by the device over core NATS
(docs/protocol.md, Device configuration). Nothing here talks to NATS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import json
import re
from typing import Any, ClassVar, Final

import probatio as vol

from .errors import ProtocolError
from .tokens import TOKEN_RE, is_valid_token
from .validators import TOKEN, Validator, integer, number, string, validate

MAX_SETTINGS: Final = 32
MAX_VALUE_BYTES: Final = 1024
MAX_TEXT_LENGTH: Final = 255
DIRECT_GET_TIMEOUT: Final = 2.0
"""Seconds a device waits for the stored value of a setting before keeping its default."""

HEARTBEAT_INTERVAL: Final = "heartbeat_interval"
NAME: Final = "name"
NAME_MAX_LENGTH: Final = 64
RESERVED: Final = frozenset({HEARTBEAT_INTERVAL, NAME})

KV_OPERATION: Final = "KV-Operation"
DELETED_OPERATIONS: Final = frozenset({"DEL", "PURGE"})

type ConfigValue = bool | int | float | str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigSetting:
    """A declared setting; equality tells whether a re-announcement changed it."""

    type: ClassVar[str]
    id: str
    name: str

    @property
    def default_value(self) -> ConfigValue:
        """The value the device uses while the bucket holds none."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberSetting(ConfigSetting):
    """A number within [min, max]; step and unit are hints for the user interface."""

    type: ClassVar[str] = "number"
    default: int | float
    min: int | float
    max: int | float
    step: int | float | None = None
    unit: str | None = None

    @property
    def default_value(self) -> ConfigValue:
        """The declared default."""
        return self.default


@dataclass(frozen=True, slots=True, kw_only=True)
class TextSetting(ConfigSetting):
    """A string of at most max_length characters."""

    type: ClassVar[str] = "text"
    default: str
    max_length: int = MAX_TEXT_LENGTH

    @property
    def default_value(self) -> ConfigValue:
        """The declared default."""
        return self.default


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchSetting(ConfigSetting):
    """On (true) or off (false)."""

    type: ClassVar[str] = "switch"
    default: bool

    @property
    def default_value(self) -> ConfigValue:
        """The declared default."""
        return self.default


_COMMON: Final[dict[Any, Any]] = {
    vol.Required("id"): TOKEN,
    vol.Required("name"): string(64, 1),
    vol.Required("type"): str,
    vol.Required("default"): object,
}
_FIELDS: Final[dict[str, dict[Any, Any]]] = {
    "number": {
        vol.Required("min"): number,
        vol.Required("max"): number,
        vol.Optional("step"): vol.All(number, vol.Range(min=0, min_included=False)),
        vol.Optional("unit"): string(16),
    },
    "text": {vol.Optional("max_length"): vol.All(integer, vol.Range(1, MAX_TEXT_LENGTH))},
    "switch": {},
}
_TYPES: Final[dict[str, type[ConfigSetting]]] = {
    "number": NumberSetting,
    "text": TextSetting,
    "switch": SwitchSetting,
}
_SCHEMAS: Final = {
    kind: vol.Schema({**_COMMON, **fields}, extra=vol.REMOVE_EXTRA) for kind, fields in _FIELDS.items()
}


def _setting(value: Any) -> ConfigSetting:
    if not isinstance(value, dict):
        raise vol.Invalid("expected a setting object")
    kind = value.get("type")
    if not isinstance(kind, str) or (schema := _SCHEMAS.get(kind)) is None:
        raise vol.Invalid(f"unknown setting type {kind!r}, expected number, text or switch", path=["type"])
    data = dict(schema(value))
    del data["type"]
    if kind == "number" and data["min"] >= data["max"]:
        raise vol.Invalid("min must be below max")
    if kind == "text" and data["id"] == NAME:
        data.setdefault("max_length", NAME_MAX_LENGTH)
    setting = _TYPES[kind](**data)
    _check_reserved(setting)
    try:
        check_value(setting, data["default"])
    except ProtocolError as err:
        raise vol.Invalid(f"invalid default: {err}", path=["default"]) from None
    return setting


def _check_reserved(setting: ConfigSetting) -> None:
    """Refuse a reserved id of another type: its meaning, so its type and range, are fixed."""
    if setting.id == HEARTBEAT_INTERVAL:
        if not isinstance(setting, NumberSetting):
            raise vol.Invalid("heartbeat_interval must be a number setting")
        if setting.min < 1 or setting.max > 3600:  # the heartbeat's own range
            raise vol.Invalid("heartbeat_interval must stay within 1..3600 seconds")
    elif setting.id == NAME:
        if not isinstance(setting, TextSetting):
            raise vol.Invalid("name must be a text setting")
        if setting.max_length > NAME_MAX_LENGTH:
            raise vol.Invalid(f"name takes at most {NAME_MAX_LENGTH} characters")


def _distinct_ids(settings: list[ConfigSetting]) -> tuple[ConfigSetting, ...]:
    ids = [setting.id for setting in settings]
    if len(set(ids)) != len(ids):
        raise vol.Invalid("setting ids must be unique within a device")
    return tuple(settings)


CONFIG_SCHEMA: Final[Validator] = vol.All([_setting], vol.Length(max=MAX_SETTINGS), _distinct_ids)
"""The announcement's `config` field, validated into typed settings."""


def describe_settings(declared: Sequence[Mapping[str, Any]]) -> tuple[ConfigSetting, ...]:
    """Validate a device's `config` declaration as a controller will; raise ProtocolError."""
    settings: tuple[ConfigSetting, ...] = validate(CONFIG_SCHEMA, [dict(item) for item in declared])
    return settings


def declaration(setting: ConfigSetting) -> dict[str, Any]:
    """Return the announcement object of a setting (the inverse of describe_settings)."""
    data: dict[str, Any] = {"id": setting.id, "name": setting.name, "type": setting.type}
    if isinstance(setting, NumberSetting):
        data |= {"default": setting.default, "min": setting.min, "max": setting.max}
        data |= {key: value for key in ("step", "unit") if (value := getattr(setting, key)) is not None}
    elif isinstance(setting, TextSetting):
        data |= {"default": setting.default, "max_length": setting.max_length}
    elif isinstance(setting, SwitchSetting):
        data["default"] = setting.default
    return data


def check_value(setting: ConfigSetting, value: object) -> ConfigValue:
    """Return a decoded value if it suits the setting; raise ProtocolError saying why not."""
    if isinstance(setting, SwitchSetting):
        if not isinstance(value, bool):
            raise ProtocolError(f"expected true or false, got {value!r}")
        return value
    if isinstance(setting, NumberSetting):
        try:
            checked: int | float = number(value)
        except vol.Invalid as err:
            raise ProtocolError(f"{err.msg}, got {value!r}") from None
        if not setting.min <= checked <= setting.max:
            raise ProtocolError(f"{checked} out of range {setting.min}..{setting.max}")
        if setting.id == HEARTBEAT_INTERVAL and checked != int(checked):
            raise ProtocolError(f"heartbeat_interval takes whole seconds, got {checked}")
        return checked
    if isinstance(setting, TextSetting):
        if not isinstance(value, str):
            raise ProtocolError(f"expected a string, got {value!r}")
        if "\0" in value:
            raise ProtocolError("U+0000 is not allowed in strings")
        if len(value) > setting.max_length:
            raise ProtocolError(f"{len(value)} characters, more than {setting.max_length}")
        if setting.id == NAME and not value:
            raise ProtocolError("a device's name cannot be empty")
        return value
    raise ProtocolError(f"unknown setting type {setting.type!r}")


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def decode_value(setting: ConfigSetting, raw: bytes) -> ConfigValue:
    """Decode and check a value as stored in the bucket; raise ProtocolError if it is unusable."""
    if len(raw) > MAX_VALUE_BYTES:
        raise ProtocolError(f"value of {len(raw)} bytes exceeds the limit of {MAX_VALUE_BYTES}")
    try:
        text = raw.decode()
        value = json.loads(text, parse_constant=_no_constant)
        # A lone surrogate escape ("\ud800") decodes to a str that is not Unicode text.
        json.dumps(value, ensure_ascii=False).encode()
    except (UnicodeError, ValueError) as err:
        raise ProtocolError(f"not a JSON value: {err}") from None
    return check_value(setting, value)


def encode_value(value: ConfigValue) -> bytes:
    """Encode a value for the bucket (an integer when a number is whole, as commands do)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, ensure_ascii=False).encode()


def is_deleted(headers: Mapping[str, str] | None) -> bool:
    """Return whether a bucket message (or direct get reply) deletes its key: back to the default."""
    return headers is not None and headers.get(KV_OPERATION) in DELETED_OPERATIONS


def bucket_name(prefix: str) -> str:
    """Return the bucket of a home: `home` -> NATS_HOME_HOME_CONFIG (the streams' rule for the prefix)."""
    return f"NATS_HOME_{re.sub(r'[^A-Za-z0-9_-]', '_', prefix).upper()}_CONFIG"


def stream_name(bucket: str) -> str:
    """Return the stream behind a bucket."""
    return f"KV_{bucket}"


def key(device_id: str, setting_id: str) -> str:
    """Return the key of one setting of one device."""
    for token in (device_id, setting_id):
        if not is_valid_token(token):
            raise ProtocolError(f"invalid id {token!r}: must match {TOKEN_RE.pattern}")
    return f"{device_id}.{setting_id}"


def parse_key(value: str) -> tuple[str, str] | None:
    """Return (device id, setting id) of a key, or None for a key that is not one."""
    device_id, _, setting_id = value.partition(".")
    if is_valid_token(device_id) and is_valid_token(setting_id):
        return device_id, setting_id
    return None


def key_subject(bucket: str, device_id: str, setting_id: str) -> str:
    """Return the subject a value of one setting is published on."""
    return f"$KV.{bucket}.{key(device_id, setting_id)}"


def device_subjects(bucket: str, device_id: str) -> str:
    """Return the wildcard a device subscribes to for live changes of its settings."""
    key(device_id, "x")
    return f"$KV.{bucket}.{device_id}.*"


def direct_get_subject(bucket: str, device_id: str, setting_id: str) -> str:
    """Return the subject of a direct get of the last value of one setting."""
    return f"$JS.API.DIRECT.GET.{stream_name(bucket)}.{key_subject(bucket, device_id, setting_id)}"
