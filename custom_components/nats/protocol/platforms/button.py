"""button: no state; a press is a command the device confirms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..platform import EntityInfo, Platform


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonInfo(EntityInfo):
    """An announced button."""


def press() -> dict[str, Any]:
    """Build the command that presses a button."""
    return {"action": "press"}


class ButtonPlatform(Platform[ButtonInfo, None]):
    """The button platform."""

    name = "button"
    info_type = ButtonInfo
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("action"): "press"}

    def apply(self, info: ButtonInfo, current: Mapping[str, Any] | None, command: dict[str, Any]) -> None:
        """Change no state: the device acts on the press (the library counts presses)."""


PLATFORM: Final = ButtonPlatform()
