"""vacuum: a cleaning robot that starts, pauses, stops, goes home and has fan speeds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, string, validate, word_list
from .cover import FLAG, announced_fields

STATES: Final = ("cleaning", "docked", "idle", "paused", "returning", "error")
ACTIONS: Final = ("start", "pause", "stop", "return_home", "clean_spot", "locate")
RESULT: Final[Mapping[str, str | None]] = {
    "start": "cleaning",
    "pause": "paused",
    "stop": "idle",
    "return_home": "docked",
    "clean_spot": "cleaning",
    "locate": None,
}
"""The state the spec's ideal device reports after each action (None: unchanged; locate only beeps)."""

STATE: Final = vol.Any(None, vol.In(STATES), msg=f"expected one of {', '.join(STATES)} or null")

type VacuumAction = Literal["start", "pause", "stop", "return_home", "clean_spot", "locate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class VacuumInfo(EntityInfo):
    """An announced vacuum: one flag per action it accepts, and its fan speeds."""

    supports_start: bool = False
    supports_pause: bool = False
    supports_stop: bool = False
    supports_return_home: bool = False
    supports_clean_spot: bool = False
    supports_locate: bool = False
    fan_speeds: tuple[str, ...] | None = None

    def supports(self, action: str) -> bool:
        """Whether the vacuum announced an action."""
        supported: bool = getattr(self, f"supports_{action}")
        return supported


@dataclass(frozen=True, slots=True)
class VacuumState:
    """A validated vacuum state; fan_speed is None when unknown or not announced."""

    state: str | None
    fan_speed: str | None = None


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): STATE,
        vol.Optional("fan_speed"): vol.Any(None, str),
    },
    extra=vol.REMOVE_EXTRA,
)


def action(name: VacuumAction) -> dict[str, Any]:
    """Build an action command."""
    return {"action": name}


def fan_speed(speed: str) -> dict[str, Any]:
    """Build a command setting the fan speed."""
    return {"fan_speed": speed}


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("vacuums have no device_class")


class VacuumPlatform(Platform[VacuumInfo, VacuumState]):
    """The vacuum platform."""

    name = "vacuum"
    info_type = VacuumInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        **{vol.Optional(f"supports_{name}"): FLAG for name in ACTIONS},
        vol.Optional("fan_speeds"): vol.Any(None, word_list()),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("action"): vol.In(ACTIONS, msg=f"expected one of {', '.join(ACTIONS)}"),
        vol.Optional("fan_speed"): string(64, 1),
    }

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Require an action or a fan speed, not both."""
        if "action" in command and "fan_speed" in command:
            raise vol.Invalid("action cannot go with fan_speed")
        if "action" not in command and "fan_speed" not in command:
            raise vol.Invalid("a vacuum command needs an action or a fan_speed")
        return command

    def parse_state(self, info: VacuumInfo, data: Mapping[str, Any]) -> VacuumState:
        """Validate the state and, for a vacuum with fan speeds, an announced fan speed."""
        announced = ("fan_speed",) if info.fan_speeds is not None else ()
        vacuum = validate(STATE_SCHEMA, announced_fields(data, *announced))
        speed = vacuum.get("fan_speed")
        if speed is not None and speed not in (info.fan_speeds or ()):
            raise ProtocolError(f"fan_speed {speed!r} was not announced")
        return VacuumState(vacuum["state"], speed)

    def apply(
        self, info: VacuumInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Carry out an announced action or set an announced fan speed; refuse anything else."""
        state: dict[str, Any] = {"state": (current or {}).get("state")}
        if info.fan_speeds is not None:
            state["fan_speed"] = (current or {}).get("fan_speed")
        if "fan_speed" in command:
            speed = command["fan_speed"]
            if info.fan_speeds is None:
                raise CommandRejectedError("fan_speed not supported")
            if speed not in info.fan_speeds:
                raise CommandRejectedError(f"fan_speed {speed!r} not announced")
            state["fan_speed"] = speed
            return state
        name = command["action"]
        if not info.supports(name):
            raise CommandRejectedError(f"{name} not supported")
        if (result := RESULT[name]) is not None:
            state["state"] = result
        return state


PLATFORM: Final = VacuumPlatform()
