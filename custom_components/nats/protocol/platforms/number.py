"""number: a value within the announced range; a command sets it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import CommandRejectedError
from ..platform import EntityInfo, Platform
from ..validators import UNIT, number, validate


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberInfo(EntityInfo):
    """An announced number."""

    min: float = 0
    max: float = 100
    step: float = 1
    unit: str | None = None
    mode: str = "auto"


def set_value(value: float) -> dict[str, Any]:
    """Build the command that sets a number (an integer when it is whole)."""
    return {"value": int(value) if float(value).is_integer() else value}


class NumberPlatform(Platform[NumberInfo, float | int | None]):
    """The number platform."""

    name = "number"
    info_type = NumberInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("min", default=0): number,
        vol.Optional("max", default=100): number,
        vol.Optional("step", default=1): vol.All(number, vol.Range(min=0, min_included=False)),
        vol.Optional("unit"): UNIT,
        vol.Optional("mode", default="auto"): vol.In(("auto", "box", "slider")),
    }
    command_fields: ClassVar[Mapping[Any, Any] | None] = {vol.Required("value"): number}

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Refuse an empty range."""
        if entity["min"] >= entity["max"]:
            raise vol.Invalid("min must be below max")
        return entity

    def parse_state(self, info: NumberInfo, data: Mapping[str, Any]) -> float | int | None:
        """Validate a number or null."""
        if data["state"] is None:
            return None
        value: float | int = validate(number, data["state"])
        return value

    def apply(
        self, info: NumberInfo, current: Mapping[str, Any] | None, command: dict[str, Any]
    ) -> dict[str, Any]:
        """Set the value if it is within the announced range."""
        value = command["value"]
        if not info.min <= value <= info.max:
            msg = f"value {value} out of range {info.min}..{info.max}"
            raise CommandRejectedError(msg)
        return {"state": value}


PLATFORM: Final = NumberPlatform()
