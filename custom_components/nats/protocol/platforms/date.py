"""date: a calendar date as YYYY-MM-DD; a command sets it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Final

import probatio as vol

from ..calendar_values import date_value, no_device_class
from ..platform import EntityInfo, Platform
from ..validators import validate


@dataclass(frozen=True, slots=True, kw_only=True)
class DateInfo(EntityInfo):
    """An announced date."""


def set_value(value: date) -> dict[str, Any]:
    """Build the command that sets the date."""
    return {"value": value.isoformat()}


class DatePlatform(Platform[DateInfo, str | None]):
    """The date platform."""

    name = "date"
    info_type = DateInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {vol.Optional("device_class"): no_device_class}
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("value"): date_value}

    def parse_state(self, info: DateInfo, data: Mapping[str, Any]) -> str | None:
        """Validate a date or null."""
        if data["state"] is None:
            return None
        value: str = validate(date_value, data["state"])
        return value

    def apply(
        self, info: DateInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the date: every valid date is accepted."""
        return {"state": command["value"]}


PLATFORM: Final = DatePlatform()
