"""lock: locked or unlocked, optionally a latch that opens the door and a code with every command."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import re
from typing import Any, ClassVar, Final, Literal

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import string

STATES: Final = ("locked", "unlocked", "locking", "unlocking", "jammed", "open", "opening")
OPEN_STATES: Final = frozenset({"open", "opening"})
"""States only a lock announcing supports_open reports."""
ACTIONS: Final = ("lock", "unlock", "open")
RESULT: Final = {"lock": "locked", "unlock": "unlocked", "open": "open"}
"""The state the spec's ideal device reports after each action."""

CODE_FORMAT: Final = string(255, 1)

type LockAction = Literal["lock", "unlock", "open"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LockInfo(EntityInfo):
    """An announced lock."""

    supports_open: bool = False
    assumed_state: bool = False
    code_format: str | None = None


@dataclass(frozen=True, slots=True)
class LockState:
    """A validated lock state."""

    state: str | None


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("locks have no device_class")


def _code_format(value: Any) -> str | None:
    if value is None:
        return None
    pattern: str = CODE_FORMAT(value)
    # Home Assistant compiles it to check codes; one it cannot compile would
    # make every command fail, so the announcement is refused instead.
    try:
        re.compile(pattern)
    except re.error as err:
        msg = f"code_format is not a regular expression: {err}"
        raise vol.Invalid(msg) from None
    return pattern


def command(action: LockAction, code: str | None = None) -> dict[str, Any]:
    """Build a lock command; the code only when one is given."""
    return {"action": action} | ({"code": code} if code else {})


class LockPlatform(Platform[LockInfo, LockState]):
    """The lock platform."""

    name = "lock"
    info_type = LockInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): _no_device_class,
        vol.Optional("supports_open"): vol.Any(None, bool),
        vol.Optional("assumed_state"): vol.Any(None, bool),
        vol.Optional("code_format"): _code_format,
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("action"): vol.In(ACTIONS),
        vol.Optional("code"): string(64, 1),
    }

    def parse_state(self, info: LockInfo, data: Mapping[str, Any]) -> LockState:
        """Validate a lock state; open and opening only for a lock that can open."""
        value = data["state"]
        if value is None:
            return LockState(None)
        if value not in STATES:
            msg = f"state {value!r} is not one of {', '.join(STATES)}"
            raise ProtocolError(msg)
        if value in OPEN_STATES and not info.supports_open:
            msg = f"state {value!r} of a lock without supports_open"
            raise ProtocolError(msg)
        return LockState(str(value))

    def apply(
        self, info: LockInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Check open, then the code's presence; the ideal device accepts any code."""
        action = command["action"]
        if action == "open" and not info.supports_open:
            raise CommandRejectedError("open not supported (supports_open is false)")
        if info.code_format is not None and "code" not in command:
            raise CommandRejectedError("code required")
        return {"state": RESULT[action]}


PLATFORM: Final = LockPlatform()
