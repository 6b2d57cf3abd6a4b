"""text: a string the user edits, within announced lengths and matching an optional pattern."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import re
from typing import Any, ClassVar, Final

import probatio as vol

from ..calendar_values import no_device_class
from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import MAX_TEXT_STATE, TEXT_STATE, integer, string, validate

MODES: Final = ("text", "password")
PATTERN: Final = string(255, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextInfo(EntityInfo):
    """An announced text."""

    min_length: int = 0
    max_length: int = MAX_TEXT_STATE
    pattern: str | None = None
    mode: str = "text"


def _pattern(value: Any) -> str | None:
    if value is None:
        return None
    pattern: str = PATTERN(value)
    # Home Assistant compiles it to check every value and state; one it
    # cannot compile would break the entity, so the announcement is refused.
    try:
        re.compile(pattern)
    except re.error as err:
        msg = f"pattern is not a regular expression: {err}"
        raise vol.Invalid(msg) from None
    return pattern


def set_value(value: str) -> dict[str, Any]:
    """Build the command that sets the text."""
    return {"value": value}


def refusal(info: TextInfo, value: str) -> str | None:
    """Why the entity refuses (or, as a state, cannot hold) this value; None when it fits.

    The pattern matches from the start of the value, as Home Assistant
    checks it (Python's re.match); `$` at its end requires the whole value.
    """
    if not info.min_length <= len(value) <= info.max_length:
        return f"value length {len(value)} out of range {info.min_length}..{info.max_length}"
    if info.pattern is not None and re.match(info.pattern, value) is None:
        return "value does not match pattern"
    return None


class TextPlatform(Platform[TextInfo, str | None]):
    """The text platform."""

    name = "text"
    info_type = TextInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("device_class"): no_device_class,
        vol.Optional("min_length", default=0): vol.Any(None, vol.All(integer, vol.Range(0, MAX_TEXT_STATE))),
        vol.Optional("max_length", default=MAX_TEXT_STATE): vol.Any(
            None, vol.All(integer, vol.Range(1, MAX_TEXT_STATE))
        ),
        vol.Optional("pattern"): _pattern,
        vol.Optional("mode", default="text"): vol.Any(None, vol.In(MODES)),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("value"): TEXT_STATE}

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Refuse a minimum length above the maximum."""
        low = entity["min_length"] if entity["min_length"] is not None else 0
        high = entity["max_length"] if entity["max_length"] is not None else MAX_TEXT_STATE
        if low > high:
            raise vol.Invalid("min_length must not be above max_length")
        return entity

    def parse_state(self, info: TextInfo, data: Mapping[str, Any]) -> str | None:
        """Validate a text the entity could hold: Home Assistant refuses to show any other."""
        if data["state"] is None:
            return None
        value: str = validate(TEXT_STATE, data["state"])
        problem = refusal(info, value)
        if problem is not None:
            raise ProtocolError(f"state {problem}")
        return value

    def apply(
        self, info: TextInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the text if its length and pattern fit the announcement."""
        problem = refusal(info, command["value"])
        if problem is not None:
            raise CommandRejectedError(problem)
        return {"state": command["value"]}


PLATFORM: Final = TextPlatform()
