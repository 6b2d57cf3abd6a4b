"""time: a time of day as HH:MM:SS; a command sets it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any, ClassVar, Final

import probatio as vol

from ..calendar_values import no_device_class, time_value
from ..platform import EntityInfo, Platform
from ..validators import validate


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeInfo(EntityInfo):
    """An announced time."""


def set_value(value: time) -> dict[str, Any]:
    """Build the command that sets the time."""
    return {"value": value.isoformat(timespec="seconds")}


class TimePlatform(Platform[TimeInfo, str | None]):
    """The time platform."""

    name = "time"
    info_type = TimeInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {vol.Optional("device_class"): no_device_class}
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("value"): time_value}

    def parse_state(self, info: TimeInfo, data: Mapping[str, Any]) -> str | None:
        """Validate a time of day or null."""
        if data["state"] is None:
            return None
        value: str = validate(time_value, data["state"])
        return value

    def apply(
        self, info: TimeInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the time: every valid time of day is accepted."""
        return {"state": command["value"]}


PLATFORM: Final = TimePlatform()
