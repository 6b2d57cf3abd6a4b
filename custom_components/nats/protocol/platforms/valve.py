"""valve: opens and closes, optionally to a position and with a stop; moves as a cover does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, PERCENT, validate
from .cover import ACTION, FLAG, MOTION_STATE, Action, announced_fields, refuse_unannounced, travel

DEVICE_CLASSES: Final = ("water", "gas")


@dataclass(frozen=True, slots=True, kw_only=True)
class ValveInfo(EntityInfo):
    """An announced valve."""

    supports_position: bool = False
    supports_stop: bool = False
    assumed_state: bool = False


@dataclass(frozen=True, slots=True)
class ValveState:
    """A validated valve state; position is None when unknown or not announced."""

    state: str | None
    position: int | None = None


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): MOTION_STATE,
        vol.Optional("position"): vol.Any(None, PERCENT),
    },
    extra=vol.REMOVE_EXTRA,
)


def action(name: Action) -> dict[str, Any]:
    """Build an open, close or stop command."""
    return {"action": name}


def move(position: int) -> dict[str, Any]:
    """Build a command to a position."""
    return {"position": position}


class ValvePlatform(Platform[ValveInfo, ValveState]):
    """The valve platform."""

    name = "valve"
    info_type = ValveInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): vol.Any(None, vol.In(DEVICE_CLASSES, msg="not a valve device class")),
        vol.Optional("supports_position"): FLAG,
        vol.Optional("supports_stop"): FLAG,
        vol.Optional("assumed_state"): FLAG,
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("action"): ACTION,
        vol.Optional("position"): PERCENT,
    }

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Require an action or a position, not both."""
        if "action" in command and "position" in command:
            raise vol.Invalid("action cannot go with position")
        if "action" not in command and "position" not in command:
            raise vol.Invalid("a valve command needs an action or a position")
        return command

    def parse_state(self, info: ValveInfo, data: Mapping[str, Any]) -> ValveState:
        """Validate the state and the position if the valve announced one."""
        announced = ("position",) if info.supports_position else ()
        valve = validate(STATE_SCHEMA, announced_fields(data, *announced))
        return ValveState(state=valve["state"], position=valve.get("position"))

    def apply(
        self, info: ValveInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Move or stop as announced; refuse the whole command otherwise."""
        refuse_unannounced(command, stop=info.supports_stop, position=info.supports_position)
        current = current or {}
        state = {"state": current.get("state")}
        if info.supports_position:
            state["position"] = current.get("position")
        travel(state, command)
        return state


PLATFORM: Final = ValvePlatform()
