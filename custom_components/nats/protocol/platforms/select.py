"""select: one of the announced options; a command picks one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError, ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONS, string


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectInfo(EntityInfo):
    """An announced select."""

    options: tuple[str, ...] = ()


def select(option: str) -> dict[str, Any]:
    """Build the command that selects an option."""
    return {"option": option}


class SelectPlatform(Platform[SelectInfo, str | None]):
    """The select platform."""

    name = "select"
    info_type = SelectInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {vol.Required("options"): OPTIONS}
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("option"): string(64, 1)}

    def parse_state(self, info: SelectInfo, data: Mapping[str, Any]) -> str | None:
        """Validate one of the announced options, or null."""
        value = data["state"]
        if value is None:
            return None
        if value not in info.options:
            raise ProtocolError(f"option {value!r} was not announced")
        return str(value)

    def apply(
        self, info: SelectInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Select an announced option."""
        if command["option"] not in info.options:
            msg = f"unknown option {command['option']!r}"
            raise CommandRejectedError(msg)
        return {"state": command["option"]}


PLATFORM: Final = SelectPlatform()
