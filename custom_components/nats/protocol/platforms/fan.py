"""fan: on/off with an optional speed, oscillation, direction and presets."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import ON_OFF, OPTIONAL_VERSION, PERCENT, integer, string, validate, word_list

DIRECTIONS: Final = ("forward", "reverse")
COMMAND_FIELDS: Final = ("state", "percentage", "oscillating", "direction", "preset_mode")


@dataclass(frozen=True, slots=True, kw_only=True)
class FanInfo(EntityInfo):
    """An announced fan; without speed_count it has no speed control."""

    speed_count: int | None = None
    supports_oscillation: bool = False
    supports_direction: bool = False
    preset_modes: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FanState:
    """A validated fan state."""

    state: str | None
    percentage: int | None = None
    oscillating: bool | None = None
    direction: str | None = None
    preset_mode: str | None = None


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): ON_OFF,
        vol.Optional("percentage"): vol.Any(None, PERCENT),
        vol.Optional("oscillating"): vol.Any(None, bool),
        vol.Optional("direction"): vol.Any(None, vol.In(DIRECTIONS)),
        vol.Optional("preset_mode"): object,  # checked against the announced presets
    },
    extra=vol.REMOVE_EXTRA,
)


def command(
    *,
    on: bool | None = None,
    percentage: int | None = None,
    oscillating: bool | None = None,
    direction: str | None = None,
    preset_mode: str | None = None,
) -> dict[str, Any]:
    """Build a fan command; only the given fields are sent (give at least one; percentage 1-100)."""
    fields = {
        "state": None if on is None else "ON" if on else "OFF",
        "percentage": percentage,
        "oscillating": oscillating,
        "direction": direction,
        "preset_mode": preset_mode,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("fan entities have no device_class")


class FanPlatform(Platform[FanInfo, FanState]):
    """The fan platform."""

    name = "fan"
    info_type = FanInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Optional("speed_count"): vol.Any(None, vol.All(integer, vol.Range(1, 100))),
        vol.Optional("supports_oscillation"): vol.Any(None, bool),
        vol.Optional("supports_direction"): vol.Any(None, bool),
        vol.Optional("preset_modes"): vol.Any(None, word_list()),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("state"): vol.In(("ON", "OFF")),
        vol.Optional("percentage"): vol.All(integer, vol.Range(1, 100)),
        vol.Optional("oscillating"): bool,
        vol.Optional("direction"): vol.In(DIRECTIONS),
        vol.Optional("preset_mode"): string(64, 1),
    }

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Refuse an empty command, and a speed or preset that would turn a fan being turned off on."""
        if not any(field in command for field in COMMAND_FIELDS):
            raise vol.Invalid("a fan command needs at least one field")
        if command.get("state") == "OFF":
            for field in ("percentage", "preset_mode"):
                if field in command:
                    raise vol.Invalid(f"{field} cannot go with state OFF")
        return command

    def parse_state(self, info: FanInfo, data: Mapping[str, Any]) -> FanState:
        """Validate a state; fields of features the fan did not announce are ignored."""
        read = {key: value for key, value in data.items() if key in _read_fields(info)}
        fan = validate(STATE_SCHEMA, read)
        preset = fan.get("preset_mode")
        if preset is not None and (not isinstance(preset, str) or preset not in (info.preset_modes or ())):
            raise ProtocolError(f"preset_mode {preset!r} was not announced")
        return FanState(**{key: value for key, value in fan.items() if key != "v"})

    def apply(
        self, info: FanInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set what the fan announced, as commanded; refuse the whole command otherwise."""
        if (error := next(_refusals(info, command), None)) is not None:
            raise CommandRejectedError(error)
        state: dict[str, Any] = {"state": None, **(current or {})}
        state.update({field: command[field] for field in COMMAND_FIELDS if field in command})
        if "percentage" in command and info.speed_count is not None:
            speeds = info.speed_count
            speed = (command["percentage"] * speeds + 99) // 100
            state["percentage"] = speed * 100 // speeds
        if "percentage" in command or "preset_mode" in command:
            state["state"] = "ON"
        return state


def _read_fields(info: FanInfo) -> set[str]:
    """Return the state fields a fan's announcement makes meaningful."""
    fields = {"v", "state"}
    if info.speed_count is not None:
        fields.add("percentage")
    if info.supports_oscillation:
        fields.add("oscillating")
    if info.supports_direction:
        fields.add("direction")
    if info.preset_modes is not None:
        fields.add("preset_mode")
    return fields


def _refusals(info: FanInfo, command: dict[str, Any]) -> Iterator[str]:
    """Yield what the fan's announcement refuses in a well-formed command."""
    if "percentage" in command and info.speed_count is None:
        yield "percentage not supported"
    if "oscillating" in command and not info.supports_oscillation:
        yield "oscillating not supported"
    if "direction" in command and not info.supports_direction:
        yield "direction not supported"
    if (preset := command.get("preset_mode")) is not None and preset not in (info.preset_modes or ()):
        yield f"preset_mode {preset!r} not announced"


PLATFORM: Final = FanPlatform()
