"""switch: ON, OFF or unknown; a command sets it and the device confirms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..platform import EntityInfo, Platform
from .binary_sensor import on_off


@dataclass(frozen=True, slots=True, kw_only=True)
class SwitchInfo(EntityInfo):
    """An announced switch."""


def command(*, on: bool) -> dict[str, Any]:
    """Build the command that turns a switch on or off."""
    return {"state": "ON" if on else "OFF"}


class SwitchPlatform(Platform[SwitchInfo, str | None]):
    """The switch platform."""

    name = "switch"
    info_type = SwitchInfo
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("state"): vol.Any("ON", "OFF")}

    def parse_state(self, info: SwitchInfo, data: Mapping[str, Any]) -> str | None:
        """Validate ON/OFF/null."""
        return on_off(data)

    def apply(
        self, info: SwitchInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Switch."""
        return {"state": command["state"]}


PLATFORM: Final = SwitchPlatform()
