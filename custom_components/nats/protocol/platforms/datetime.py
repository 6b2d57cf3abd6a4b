"""datetime: a moment as an RFC 3339 date-time with offset; a command sets it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final

import probatio as vol

from ..calendar_values import datetime_value, format_datetime, no_device_class
from ..platform import EntityInfo, Platform
from ..validators import validate


@dataclass(frozen=True, slots=True, kw_only=True)
class DateTimeInfo(EntityInfo):
    """An announced date-time."""


def set_value(value: datetime) -> dict[str, Any]:
    """Build the command that sets the moment (an aware date-time), in UTC."""
    return {"value": format_datetime(value)}


class DateTimePlatform(Platform[DateTimeInfo, str | None]):
    """The datetime platform."""

    name = "datetime"
    info_type = DateTimeInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {vol.Optional("device_class"): no_device_class}
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("value"): datetime_value}

    def parse_state(self, info: DateTimeInfo, data: Mapping[str, Any]) -> str | None:
        """Validate a date-time with offset or null."""
        if data["state"] is None:
            return None
        value: str = validate(datetime_value, data["state"])
        return value

    def apply(
        self, info: DateTimeInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the moment as given: every valid date-time is accepted."""
        return {"state": command["value"]}


PLATFORM: Final = DateTimePlatform()
