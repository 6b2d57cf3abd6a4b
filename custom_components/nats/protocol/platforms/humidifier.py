"""humidifier: humidifiers and dehumidifiers, on/off with a target humidity and modes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import ON_OFF, OPTIONAL_VERSION, number, string, validate, word_list

DEVICE_CLASSES: Final = ("humidifier", "dehumidifier")
ACTIONS: Final = ("off", "idle", "humidifying", "drying")
COMMAND_FIELDS: Final = ("state", "target_humidity", "mode")


@dataclass(frozen=True, slots=True, kw_only=True)
class HumidifierInfo(EntityInfo):
    """An announced humidifier or dehumidifier."""

    modes: tuple[str, ...] | None = None
    min_humidity: float = 0
    max_humidity: float = 100


@dataclass(frozen=True, slots=True)
class HumidifierState:
    """A validated humidifier state."""

    state: str | None
    mode: str | None = None
    target_humidity: float | None = None
    current_humidity: float | None = None
    action: str | None = None


def _optional(validator: Any) -> Any:
    return vol.Any(None, validator)


HUMIDITY: Final = vol.All(number, vol.Range(0, 100))
STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): ON_OFF,
        vol.Optional("mode"): object,  # checked against the announced modes
        vol.Optional("target_humidity"): _optional(number),
        vol.Optional("current_humidity"): _optional(HUMIDITY),
        vol.Optional("action"): _optional(vol.In(ACTIONS)),
    },
    extra=vol.REMOVE_EXTRA,
)


def command(
    *, on: bool | None = None, target_humidity: float | None = None, mode: str | None = None
) -> dict[str, Any]:
    """Build a humidifier command; only the given fields are sent (give at least one)."""
    if target_humidity is not None and float(target_humidity).is_integer():
        target_humidity = int(target_humidity)
    fields = {
        "state": None if on is None else "ON" if on else "OFF",
        "target_humidity": target_humidity,
        "mode": mode,
    }
    return {key: value for key, value in fields.items() if value is not None}


class HumidifierPlatform(Platform[HumidifierInfo, HumidifierState]):
    """The humidifier platform."""

    name = "humidifier"
    info_type = HumidifierInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _optional(vol.In(DEVICE_CLASSES, msg="not a humidifier device class")),
        vol.Optional("modes"): _optional(word_list()),
        vol.Optional("min_humidity"): _optional(HUMIDITY),
        vol.Optional("max_humidity"): _optional(HUMIDITY),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("state"): vol.In(("ON", "OFF")),
        vol.Optional("target_humidity"): HUMIDITY,
        vol.Optional("mode"): string(64, 1),
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Fill in the humidity range's defaults; refuse an empty range."""
        for key, default in (("min_humidity", 0), ("max_humidity", 100)):
            if entity.get(key) is None:
                entity[key] = default
        if entity["min_humidity"] >= entity["max_humidity"]:
            msg = f"min_humidity {entity['min_humidity']} must be below max_humidity {entity['max_humidity']}"
            raise vol.Invalid(msg)
        return entity

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Refuse a command without any field."""
        if not any(field in command for field in COMMAND_FIELDS):
            raise vol.Invalid("a humidifier command needs at least one field")
        return command

    def parse_state(self, info: HumidifierInfo, data: Mapping[str, Any]) -> HumidifierState:
        """Validate a state; a mode without announced modes is ignored."""
        fields = {"v", "state", "target_humidity", "current_humidity", "action"}
        if info.modes is not None:
            fields.add("mode")
        humidifier = validate(STATE_SCHEMA, {key: value for key, value in data.items() if key in fields})
        mode = humidifier.get("mode")
        if mode is not None and (not isinstance(mode, str) or mode not in (info.modes or ())):
            raise ProtocolError(f"mode {mode!r} was not announced")
        target = humidifier.get("target_humidity")
        if target is not None and not info.min_humidity <= target <= info.max_humidity:
            msg = f"target_humidity {target} out of range {info.min_humidity}..{info.max_humidity}"
            raise ProtocolError(msg)
        return HumidifierState(**{key: value for key, value in humidifier.items() if key != "v"})

    def apply(
        self, info: HumidifierInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set what the entity announced, as commanded; refuse the whole command otherwise."""
        if (error := next(_refusals(info, command), None)) is not None:
            raise CommandRejectedError(error)
        state: dict[str, Any] = {"state": None, **(current or {})}
        state.update({field: command[field] for field in COMMAND_FIELDS if field in command})
        return state


def _refusals(info: HumidifierInfo, command: dict[str, Any]) -> Iterator[str]:
    """Yield what the entity's announcement refuses in a well-formed command."""
    target = command.get("target_humidity")
    if target is not None and not info.min_humidity <= target <= info.max_humidity:
        yield f"target_humidity {target} out of range {info.min_humidity}..{info.max_humidity}"
    if (mode := command.get("mode")) is not None and mode not in (info.modes or ()):
        yield f"mode {mode!r} not announced"


PLATFORM: Final = HumidifierPlatform()
