"""lawn_mower: a robot mower that starts mowing, pauses, stops and docks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONAL_VERSION, validate
from .cover import FLAG

STATES: Final = ("mowing", "docked", "paused", "returning", "idle", "error")
ACTIONS: Final = ("start_mowing", "pause", "stop", "dock")
RESULT: Final[Mapping[str, str]] = {
    "start_mowing": "mowing",
    "pause": "paused",
    "stop": "idle",
    "dock": "docked",
}
"""The state the spec's ideal device reports after each action."""

STATE: Final = vol.Any(None, vol.In(STATES), msg=f"expected one of {', '.join(STATES)} or null")

type LawnMowerAction = Literal["start_mowing", "pause", "stop", "dock"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LawnMowerInfo(EntityInfo):
    """An announced lawn mower: one flag per action it accepts."""

    supports_start_mowing: bool = False
    supports_pause: bool = False
    supports_stop: bool = False
    supports_dock: bool = False

    def supports(self, action: str) -> bool:
        """Whether the mower announced an action."""
        supported: bool = getattr(self, f"supports_{action}")
        return supported


@dataclass(frozen=True, slots=True)
class LawnMowerState:
    """A validated lawn mower state."""

    state: str | None


STATE_SCHEMA: Final = vol.Schema(
    {
        **OPTIONAL_VERSION,
        vol.Required("state"): STATE,
    },
    extra=vol.REMOVE_EXTRA,
)


def action(name: LawnMowerAction) -> dict[str, Any]:
    """Build an action command."""
    return {"action": name}


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("lawn mowers have no device_class")


class LawnMowerPlatform(Platform[LawnMowerInfo, LawnMowerState]):
    """The lawn_mower platform."""

    name = "lawn_mower"
    info_type = LawnMowerInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        **{vol.Optional(f"supports_{name}"): FLAG for name in ACTIONS},
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("action"): vol.In(ACTIONS, msg=f"expected one of {', '.join(ACTIONS)}"),
    }

    def parse_state(self, info: LawnMowerInfo, data: Mapping[str, Any]) -> LawnMowerState:
        """Validate the activity word."""
        return LawnMowerState(validate(STATE_SCHEMA, data)["state"])

    def apply(
        self, info: LawnMowerInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Carry out an announced action; refuse the others."""
        name = command["action"]
        if not info.supports(name):
            raise CommandRejectedError(f"{name} not supported")
        return {"state": RESULT[name]}


PLATFORM: Final = LawnMowerPlatform()
