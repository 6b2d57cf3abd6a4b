"""climate: HVAC mode and action, target temperature, range or humidity, fan/swing/preset modes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, number, string, validate, word_list

HVAC_MODES: Final = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
HVAC_ACTIONS: Final = ("off", "preheating", "defrosting", "heating", "cooling", "drying", "idle", "fan")
CELSIUS: Final = "°C"
FAHRENHEIT: Final = "°F"
MODE_FIELDS: Final = {
    "fan_mode": "fan_modes",
    "swing_mode": "swing_modes",
    "swing_horizontal_mode": "swing_horizontal_modes",
    "preset_mode": "preset_modes",
}
"""Each mode a state or command carries, and the announced list it must be among."""
COMMAND_FIELDS: Final = (
    "hvac_mode",
    "target_temperature",
    "target_temperature_low",
    "target_temperature_high",
    "target_humidity",
    *MODE_FIELDS,
)
_UNIT_DEFAULTS: Final = {
    # min_temp, max_temp, precision (temp_step defaults to the precision)
    CELSIUS: (7, 35, 0.1),
    FAHRENHEIT: (45, 95, 1),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ClimateInfo(EntityInfo):
    """An announced climate entity; temperatures are in its temperature_unit."""

    hvac_modes: tuple[str, ...] = ()
    supports_target_temperature: bool = True
    supports_target_temperature_range: bool = False
    supports_target_humidity: bool = False
    temperature_unit: str = CELSIUS
    min_temp: float = 7
    max_temp: float = 35
    temp_step: float = 0.1
    precision: float = 0.1
    min_humidity: float = 30
    max_humidity: float = 99
    fan_modes: tuple[str, ...] | None = None
    swing_modes: tuple[str, ...] | None = None
    swing_horizontal_modes: tuple[str, ...] | None = None
    preset_modes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ClimateState:
    """A validated climate state; the HVAC mode is `state`."""

    state: str | None
    hvac_action: str | None = None
    current_temperature: float | None = None
    target_temperature: float | None = None
    target_temperature_low: float | None = None
    target_temperature_high: float | None = None
    current_humidity: float | None = None
    target_humidity: float | None = None
    fan_mode: str | None = None
    swing_mode: str | None = None
    swing_horizontal_mode: str | None = None
    preset_mode: str | None = None


def _optional(validator: Any) -> Any:
    return vol.Any(None, validator)


MODE_LIST: Final = _optional(word_list())
STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): object,  # checked against the announced hvac_modes
        vol.Optional("hvac_action"): _optional(vol.In(HVAC_ACTIONS)),
        vol.Optional("current_temperature"): _optional(number),
        vol.Optional("target_temperature"): _optional(number),
        vol.Optional("target_temperature_low"): _optional(number),
        vol.Optional("target_temperature_high"): _optional(number),
        vol.Optional("current_humidity"): _optional(vol.All(number, vol.Range(0, 100))),
        vol.Optional("target_humidity"): _optional(number),
        **{vol.Optional(field): object for field in MODE_FIELDS},  # checked against their lists
    },
    extra=vol.REMOVE_EXTRA,
)


def _whole(value: float | None) -> float | None:
    """Send 21.0 as 21, as the number platform does."""
    return int(value) if value is not None and float(value).is_integer() else value


def command(
    *,
    hvac_mode: str | None = None,
    target_temperature: float | None = None,
    target_temperature_low: float | None = None,
    target_temperature_high: float | None = None,
    target_humidity: float | None = None,
    fan_mode: str | None = None,
    swing_mode: str | None = None,
    swing_horizontal_mode: str | None = None,
    preset_mode: str | None = None,
) -> dict[str, Any]:
    """Build a climate command; only the given fields are sent (give at least one)."""
    fields = {
        "hvac_mode": hvac_mode,
        "target_temperature": _whole(target_temperature),
        "target_temperature_low": _whole(target_temperature_low),
        "target_temperature_high": _whole(target_temperature_high),
        "target_humidity": _whole(target_humidity),
        "fan_mode": fan_mode,
        "swing_mode": swing_mode,
        "swing_horizontal_mode": swing_horizontal_mode,
        "preset_mode": preset_mode,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("climate entities have no device_class")


class ClimatePlatform(Platform[ClimateInfo, ClimateState]):
    """The climate platform."""

    name = "climate"
    info_type = ClimateInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Required("hvac_modes"): word_list(HVAC_MODES),
        vol.Optional("supports_target_temperature"): _optional(bool),
        vol.Optional("supports_target_temperature_range"): _optional(bool),
        vol.Optional("supports_target_humidity"): _optional(bool),
        vol.Optional("temperature_unit"): _optional(vol.In((CELSIUS, FAHRENHEIT))),
        vol.Optional("min_temp"): _optional(number),
        vol.Optional("max_temp"): _optional(number),
        vol.Optional("temp_step"): _optional(vol.All(number, vol.Range(min=0, min_included=False))),
        vol.Optional("precision"): _optional(vol.In((0.1, 0.5, 1))),
        vol.Optional("min_humidity"): _optional(vol.All(number, vol.Range(0, 100))),
        vol.Optional("max_humidity"): _optional(vol.All(number, vol.Range(0, 100))),
        **{vol.Optional(modes): MODE_LIST for modes in MODE_FIELDS.values()},
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("hvac_mode"): vol.In(HVAC_MODES),
        vol.Optional("target_temperature"): number,
        vol.Optional("target_temperature_low"): number,
        vol.Optional("target_temperature_high"): number,
        vol.Optional("target_humidity"): vol.All(number, vol.Range(0, 100)),
        **{vol.Optional(field): string(64, 1) for field in MODE_FIELDS},
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Fill in the defaults that depend on the unit; refuse empty ranges."""
        unit = entity.get("temperature_unit") or CELSIUS
        min_temp, max_temp, precision = _UNIT_DEFAULTS[unit]
        defaults = {
            "temperature_unit": unit,
            "min_temp": min_temp,
            "max_temp": max_temp,
            "precision": precision,
            "min_humidity": 30,
            "max_humidity": 99,
        }
        for key, default in defaults.items():
            if entity.get(key) is None:
                entity[key] = default
        if entity.get("temp_step") is None:
            entity["temp_step"] = entity["precision"]
        for low, high in (("min_temp", "max_temp"), ("min_humidity", "max_humidity")):
            if entity[low] >= entity[high]:
                msg = f"{low} {entity[low]} must be below {high} {entity[high]}"
                raise vol.Invalid(msg)
        return entity

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Refuse an empty command and a half or inverted range, or one with a single target."""
        if not any(field in command for field in COMMAND_FIELDS):
            raise vol.Invalid("a climate command needs at least one field")
        low, high = command.get("target_temperature_low"), command.get("target_temperature_high")
        if low is None and high is not None:
            raise vol.Invalid("target_temperature_high needs target_temperature_low")
        if high is None and low is not None:
            raise vol.Invalid("target_temperature_low needs target_temperature_high")
        if low is not None and high is not None:
            if low > high:
                raise vol.Invalid("target_temperature_low must not be above target_temperature_high")
            if "target_temperature" in command:
                raise vol.Invalid("target_temperature cannot go with a target temperature range")
        return command

    def parse_state(self, info: ClimateInfo, data: Mapping[str, Any]) -> ClimateState:
        """Validate a state; fields of features the entity did not announce are ignored."""
        read = {key: value for key, value in data.items() if key in _read_fields(info)}
        climate = validate(STATE_SCHEMA, read)
        mode = climate["state"]
        if mode is not None and (not isinstance(mode, str) or mode not in info.hvac_modes):
            raise ProtocolError(f"state {mode!r} is not among the announced hvac_modes")
        if (error := next(_state_errors(info, climate), None)) is not None:
            raise ProtocolError(error)
        return ClimateState(**{key: value for key, value in climate.items() if key != "v"})

    def apply(
        self, info: ClimateInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set what the entity announced, as commanded; refuse the whole command otherwise."""
        if (error := next(_refusals(info, command), None)) is not None:
            raise CommandRejectedError(error)
        state: dict[str, Any] = {"state": None, **(current or {})}
        for field in COMMAND_FIELDS:
            if field in command:
                state["state" if field == "hvac_mode" else field] = command[field]
        return state


def _read_fields(info: ClimateInfo) -> set[str]:
    """Return the state fields an entity's announcement makes meaningful."""
    fields = {"v", "state", "hvac_action", "current_temperature", "current_humidity"}
    if info.supports_target_temperature:
        fields.add("target_temperature")
    if info.supports_target_temperature_range:
        fields |= {"target_temperature_low", "target_temperature_high"}
    if info.supports_target_humidity:
        fields.add("target_humidity")
    fields |= {field for field, modes in MODE_FIELDS.items() if getattr(info, modes) is not None}
    return fields


def _out_of_range(field: str, value: float, low: float, high: float) -> Iterator[str]:
    if not low <= value <= high:
        yield f"{field} {value} out of range {low}..{high}"


def _state_errors(info: ClimateInfo, climate: dict[str, Any]) -> Iterator[str]:
    """Yield what makes a state invalid (of the fields the entity reads, well typed)."""
    for field in ("target_temperature", "target_temperature_low", "target_temperature_high"):
        if (value := climate.get(field)) is not None:
            yield from _out_of_range(field, value, info.min_temp, info.max_temp)
    if (humidity := climate.get("target_humidity")) is not None:
        yield from _out_of_range("target_humidity", humidity, info.min_humidity, info.max_humidity)
    low, high = climate.get("target_temperature_low"), climate.get("target_temperature_high")
    if low is not None and high is not None and low > high:
        yield f"target_temperature_low {low} is above target_temperature_high {high}"
    for field, modes in MODE_FIELDS.items():
        value = climate.get(field)
        if value is not None and (not isinstance(value, str) or value not in getattr(info, modes)):
            yield f"{field} {value!r} was not announced"


def _refusals(info: ClimateInfo, command: dict[str, Any]) -> Iterator[str]:
    """Yield what the entity's announcement refuses in a well-formed command."""
    if (mode := command.get("hvac_mode")) is not None and mode not in info.hvac_modes:
        yield f"hvac_mode {mode!r} not announced"
    if (target := command.get("target_temperature")) is not None:
        if not info.supports_target_temperature:
            yield "target_temperature not supported"
        yield from _out_of_range("target_temperature", target, info.min_temp, info.max_temp)
    if "target_temperature_low" in command:
        if not info.supports_target_temperature_range:
            yield "target temperature range not supported"
        for field in ("target_temperature_low", "target_temperature_high"):
            yield from _out_of_range(field, command[field], info.min_temp, info.max_temp)
    if (humidity := command.get("target_humidity")) is not None:
        if not info.supports_target_humidity:
            yield "target_humidity not supported"
        yield from _out_of_range("target_humidity", humidity, info.min_humidity, info.max_humidity)
    for field, modes in MODE_FIELDS.items():
        if (value := command.get(field)) is not None and value not in (getattr(info, modes) or ()):
            yield f"{field} {value!r} not announced"


PLATFORM: Final = ClimatePlatform()
