"""scene: no state; activating it is a command the device confirms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..platform import EntityInfo, Platform


@dataclass(frozen=True, slots=True, kw_only=True)
class SceneInfo(EntityInfo):
    """An announced scene."""


def activate() -> dict[str, Any]:
    """Build the command that activates a scene."""
    return {"action": "activate"}


def _no_device_class(value: Any) -> None:
    if value is not None:
        raise vol.Invalid("scenes have no device_class")


class ScenePlatform(Platform[SceneInfo, None]):
    """The scene platform."""

    name = "scene"
    info_type = SceneInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {vol.Optional("device_class"): _no_device_class}
    command_fields: ClassVar[Mapping[Any, Any] | None] = {
        vol.Required("action"): vol.In(("activate",), msg="expected 'activate'")
    }

    def apply(self, info: SceneInfo, current: Mapping[str, Any] | None, command: dict[str, Any]) -> None:
        """Change no state: the device sets its scene (the library counts activations)."""


PLATFORM: Final = ScenePlatform()
