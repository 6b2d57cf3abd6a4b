"""cover: opens and closes, optionally to a position, with a tilt and a stop."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, PERCENT, validate

DEVICE_CLASSES: Final = (
    "awning",
    "blind",
    "curtain",
    "damper",
    "door",
    "garage",
    "gate",
    "shade",
    "shutter",
    "window",
)
MOTION_STATES: Final = ("open", "closed", "opening", "closing")
ACTIONS: Final = ("open", "close", "stop")
MOTION_STATE: Final = vol.Any(
    None, *MOTION_STATES, msg="expected 'open', 'closed', 'opening', 'closing' or null"
)
ACTION: Final = vol.In(ACTIONS, msg="expected 'open', 'close' or 'stop'")
FLAG: Final = vol.Any(None, bool)
"""An announced capability; null takes the default."""

type Action = Literal["open", "close", "stop"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverInfo(EntityInfo):
    """An announced cover."""

    supports_position: bool = False
    supports_tilt: bool = False
    supports_stop: bool = False
    assumed_state: bool = False


@dataclass(frozen=True, slots=True)
class CoverState:
    """A validated cover state; position and tilt are None when unknown or not announced."""

    state: str | None
    position: int | None = None
    tilt: int | None = None


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): MOTION_STATE,
        vol.Optional("position"): vol.Any(None, PERCENT),
        vol.Optional("tilt"): vol.Any(None, PERCENT),
    },
    extra=vol.REMOVE_EXTRA,
)


def action(name: Action) -> dict[str, Any]:
    """Build an open, close or stop command."""
    return {"action": name}


def move(*, position: int | None = None, tilt: int | None = None) -> dict[str, Any]:
    """Build a command to a position, a tilt or both; only the given fields are sent."""
    return {key: value for key, value in (("position", position), ("tilt", tilt)) if value is not None}


def refuse_unannounced(command: Mapping[str, Any], *, stop: bool, position: bool, tilt: bool = False) -> None:
    """Refuse a command using a feature the entity did not announce (shared with valves)."""
    if command.get("action") == "stop" and not stop:
        raise CommandRejectedError("stop not supported")
    if "position" in command and not position:
        raise CommandRejectedError("position not supported")
    if "tilt" in command and not tilt:
        raise CommandRejectedError("tilt not supported")


def travel(state: dict[str, Any], command: Mapping[str, Any]) -> None:
    """Move state as the spec's ideal device does, reaching the target at once (shared with valves).

    A position is updated only if state has one, i.e. the entity announced it.
    """
    name = command.get("action")
    if name in ("open", "close") or "position" in command:
        target = command.get("position", 100 if name == "open" else 0)
        state["state"] = "open" if target else "closed"
        if "position" in state:
            state["position"] = target
    elif name == "stop" and state["state"] in ("opening", "closing"):
        state["state"] = "closed" if state.get("position") == 0 else "open"


def announced_fields(data: Mapping[str, Any], *announced: str) -> dict[str, Any]:
    """Keep a state's `state` and the fields of announced features; the rest is ignored unread."""
    return {key: value for key, value in data.items() if key == "state" or key in announced}


class CoverPlatform(Platform[CoverInfo, CoverState]):
    """The cover platform."""

    name = "cover"
    info_type = CoverInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): vol.Any(None, vol.In(DEVICE_CLASSES, msg="not a cover device class")),
        vol.Optional("supports_position"): FLAG,
        vol.Optional("supports_tilt"): FLAG,
        vol.Optional("supports_stop"): FLAG,
        vol.Optional("assumed_state"): FLAG,
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Optional("action"): ACTION,
        vol.Optional("position"): PERCENT,
        vol.Optional("tilt"): PERCENT,
    }

    def check_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Require an action, a position or a tilt; an action goes alone."""
        if "action" in command:
            for field in ("position", "tilt"):
                if field in command:
                    raise vol.Invalid(f"action cannot go with {field}")
        elif "position" not in command and "tilt" not in command:
            raise vol.Invalid("a cover command needs an action, a position or a tilt")
        return command

    def parse_state(self, info: CoverInfo, data: Mapping[str, Any]) -> CoverState:
        """Validate the state and the position and tilt the cover announced."""
        features = (("position", info.supports_position), ("tilt", info.supports_tilt))
        announced = [field for field, supported in features if supported]
        cover = validate(STATE_SCHEMA, announced_fields(data, *announced))
        return CoverState(state=cover["state"], position=cover.get("position"), tilt=cover.get("tilt"))

    def apply(
        self, info: CoverInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Move, tilt or stop as announced; refuse the whole command otherwise."""
        refuse_unannounced(
            command, stop=info.supports_stop, position=info.supports_position, tilt=info.supports_tilt
        )
        current = current or {}
        state = {"state": current.get("state")}
        if info.supports_position:
            state["position"] = current.get("position")
        if info.supports_tilt:
            state["tilt"] = command.get("tilt", current.get("tilt"))
        travel(state, command)
        return state


PLATFORM: Final = CoverPlatform()
