"""water_heater: operation mode, target temperature, away mode and power."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import ON_OFF, OPTIONAL_VERSION, number, validate, word_list

OPERATION_MODES: Final = ("off", "eco", "electric", "performance", "high_demand", "heat_pump", "gas")
"""Home Assistant's and ESPHome's water heater modes: the only words a device may announce."""
CELSIUS: Final = "°C"
FAHRENHEIT: Final = "°F"
COMMAND_FIELDS: Final = ("operation_mode", "target_temperature", "away_mode", "power")
_UNIT_DEFAULTS: Final = {
    # min_temp, max_temp: Home Assistant's 110-140 °F, in whole degrees Celsius
    CELSIUS: (43, 60),
    FAHRENHEIT: (110, 140),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WaterHeaterInfo(EntityInfo):
    """An announced water heater; temperatures are in its temperature_unit."""

    operation_modes: tuple[str, ...] | None = None
    supports_target_temperature: bool = True
    supports_away_mode: bool = False
    supports_on_off: bool = False
    temperature_unit: str = CELSIUS
    min_temp: float = 43
    max_temp: float = 60
    target_temperature_step: float | None = None


@dataclass(frozen=True, slots=True)
class WaterHeaterState:
    """A validated water heater state; the operation mode is `state`."""

    state: str | None
    current_temperature: float | None = None
    target_temperature: float | None = None
    away_mode: bool | None = None
    power: str | None = None


def _optional(validator: Any) -> Any:
    return vol.Any(None, validator)


POSITIVE: Final = vol.All(number, vol.Range(min=0, min_included=False))
STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): object,  # checked against the announced operation_modes
        vol.Optional("current_temperature"): _optional(number),
        vol.Optional("target_temperature"): _optional(number),
        vol.Optional("away_mode"): _optional(bool),
        vol.Optional("power"): ON_OFF,
    },
    extra=vol.REMOVE_EXTRA,
)


def _whole(value: float | None) -> float | None:
    """Send 50.0 as 50, as the climate platform does."""
    return int(value) if value is not None and float(value).is_integer() else value


def command(
    *,
    operation_mode: str | None = None,
    target_temperature: float | None = None,
    away_mode: bool | None = None,
    on: bool | None = None,
) -> dict[str, Any]:
    """Build a water heater command; only the given fields are sent (give at least one)."""
    fields = {
        "operation_mode": operation_mode,
        "target_temperature": _whole(target_temperature),
        "away_mode": away_mode,
        "power": None if on is None else "ON" if on else "OFF",
    }
    return {key: value for key, value in fields.items() if value is not None}


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("water heaters have no device_class")


class WaterHeaterPlatform(Platform[WaterHeaterInfo, WaterHeaterState]):
    """The water_heater platform."""

    name = "water_heater"
    info_type = WaterHeaterInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Optional("operation_modes"): _optional(word_list(OPERATION_MODES)),
        vol.Optional("supports_target_temperature"): _optional(bool),
        vol.Optional("supports_away_mode"): _optional(bool),
        vol.Optional("supports_on_off"): _optional(bool),
        vol.Optional("temperature_unit"): _optional(vol.In((CELSIUS, FAHRENHEIT))),
        vol.Optional("min_temp"): _optional(number),
        vol.Optional("max_temp"): _optional(number),
        vol.Optional("target_temperature_step"): _optional(
            vol.All(number, vol.Range(min=0, min_included=False))
        ),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("operation_mode"): vol.In(OPERATION_MODES),
        vol.Optional("target_temperature"): number,
        vol.Optional("away_mode"): bool,
        vol.Optional("power"): vol.In(("ON", "OFF")),
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Fill in the range defaults of the unit; refuse an empty range."""
        unit = entity.get("temperature_unit") or CELSIUS
        entity["temperature_unit"] = unit
        min_temp, max_temp = _UNIT_DEFAULTS[unit]
        if entity.get("min_temp") is None:
            entity["min_temp"] = min_temp
        if entity.get("max_temp") is None:
            entity["max_temp"] = max_temp
        if entity["min_temp"] >= entity["max_temp"]:
            msg = f"min_temp {entity['min_temp']} must be below max_temp {entity['max_temp']}"
            raise vol.Invalid(msg)
        return entity

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Refuse a command without any field."""
        if not any(field in command for field in COMMAND_FIELDS):
            raise vol.Invalid("a water_heater command needs at least one field")
        return command

    def parse_state(self, info: WaterHeaterInfo, data: Mapping[str, Any]) -> WaterHeaterState:
        """Validate a state; fields of features the entity did not announce are ignored."""
        read = {key: value for key, value in data.items() if key in _read_fields(info)}
        heater = validate(STATE_SCHEMA, read)
        mode = heater["state"]
        if mode is not None and (not isinstance(mode, str) or mode not in (info.operation_modes or ())):
            raise ProtocolError(f"state {mode!r} is not among the announced operation_modes")
        if (target := heater.get("target_temperature")) is not None and not (
            info.min_temp <= target <= info.max_temp
        ):
            raise ProtocolError(f"target_temperature {target} out of range {info.min_temp}..{info.max_temp}")
        return WaterHeaterState(**{key: value for key, value in heater.items() if key != "v"})

    def apply(
        self, info: WaterHeaterInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set what the entity announced, as commanded; refuse the whole command otherwise."""
        if (error := next(_refusals(info, command), None)) is not None:
            raise CommandRejectedError(error)
        state: dict[str, Any] = {"state": None, **(current or {})}
        for field in COMMAND_FIELDS:
            if field in command:
                state["state" if field == "operation_mode" else field] = command[field]
        return state


def _read_fields(info: WaterHeaterInfo) -> set[str]:
    """Return the state fields an entity's announcement makes meaningful."""
    fields = {"v", "state", "current_temperature"}
    if info.supports_target_temperature:
        fields.add("target_temperature")
    if info.supports_away_mode:
        fields.add("away_mode")
    if info.supports_on_off:
        fields.add("power")
    return fields


def _refusals(info: WaterHeaterInfo, command: dict[str, Any]) -> Iterator[str]:
    """Yield what the entity's announcement refuses in a well-formed command."""
    if (mode := command.get("operation_mode")) is not None and mode not in (info.operation_modes or ()):
        yield f"operation_mode {mode!r} not announced"
    if (target := command.get("target_temperature")) is not None:
        if not info.supports_target_temperature:
            yield "target_temperature not supported"
        if not info.min_temp <= target <= info.max_temp:
            yield f"target_temperature {target} out of range {info.min_temp}..{info.max_temp}"
    if "away_mode" in command and not info.supports_away_mode:
        yield "away_mode not supported"
    if "power" in command and not info.supports_on_off:
        yield "power not supported"


PLATFORM: Final = WaterHeaterPlatform()
