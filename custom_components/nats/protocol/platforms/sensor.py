"""sensor: a number (with unit, state class, precision) or text (enum, timestamp, date)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Final

import probatio as vol

from ..errors import ProtocolError
from ..platform import EntityInfo, Platform
from ..validators import OPTIONS, TEXT_STATE, UNIT, integer, number, validate

NON_NUMERIC_DEVICE_CLASSES: Final = frozenset({"enum", "date", "timestamp"})


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorInfo(EntityInfo):
    """An announced sensor."""

    unit: str | None = None
    state_class: str | None = None
    precision: int | None = None
    numeric: bool | None = None
    options: tuple[str, ...] = ()
    """The states of an enum sensor."""


def is_numeric_sensor(info: SensorInfo) -> bool:
    """Return whether a sensor's state must be a number (docs/protocol.md)."""
    if info.numeric is not None:
        return info.numeric
    return (
        info.unit is not None
        or info.state_class is not None
        or (info.device_class is not None and info.device_class not in NON_NUMERIC_DEVICE_CLASSES)
    )


def parse_timestamp(text: str) -> datetime | None:
    """Return an ISO 8601 date and time with a time zone (as UTC), or None if it is not one."""
    try:
        value = datetime.fromisoformat(text)
        return value.astimezone(UTC) if value.tzinfo is not None else None
    except (ValueError, OverflowError):  # e.g. year 1 at +01:00 is before year 1 in UTC
        return None


def parse_epoch(seconds: float) -> datetime | None:
    """Return seconds since the Unix epoch as a UTC datetime, or None if out of range."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_date(text: str) -> date | None:
    """Return an ISO 8601 date, or None if the text is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class SensorPlatform(Platform[SensorInfo, str | int | float | None]):
    """The sensor platform."""

    name = "sensor"
    info_type = SensorInfo
    entity_fields: ClassVar[Mapping[Any, Any]] = {
        vol.Optional("unit"): UNIT,
        vol.Optional("state_class"): vol.Any(None, "measurement", "total", "total_increasing"),
        vol.Optional("precision"): vol.Any(None, vol.All(integer, vol.Range(0, 10))),
        vol.Optional("numeric"): vol.Any(None, bool),
        vol.Optional("options"): vol.Any(None, OPTIONS),
    }

    def check_entity(self, entity: dict[str, Any]) -> dict[str, Any]:
        """Refuse sensor fields that contradict each other instead of dropping one silently."""
        numeric = entity.get("numeric")
        numeric_fields = [key for key in ("unit", "state_class") if entity.get(key) is not None]
        if numeric is False and numeric_fields:
            raise vol.Invalid(
                f"a text sensor (numeric: false) cannot have a {numeric_fields[0]}", path=[numeric_fields[0]]
            )
        if entity.get("options") is not None:
            if entity.get("device_class") != "enum":
                raise vol.Invalid("options need device_class 'enum'", path=["options"])
            if numeric or numeric_fields:
                raise vol.Invalid(
                    "an enum sensor is text: options cannot go with numeric: true, a unit or a state class",
                    path=["options"],
                )
        return entity

    def parse_state(self, info: SensorInfo, data: Mapping[str, Any]) -> str | int | float | None:
        """Validate a number, or text of the sensor's device class."""
        value = data["state"]
        if value is None:
            return None
        if is_numeric_sensor(info):
            numeric: float | int = validate(number, value)
            if info.device_class == "timestamp" and parse_epoch(numeric) is None:
                raise ProtocolError(f"timestamp {numeric!r} is out of range")
            return numeric
        text: str = validate(TEXT_STATE, value)
        if info.options and text not in info.options:
            raise ProtocolError(f"option {text!r} was not announced")
        if info.device_class == "timestamp" and parse_timestamp(text) is None:
            raise ProtocolError(f"{text!r} is not an ISO 8601 date and time with a time zone")
        if info.device_class == "date" and parse_date(text) is None:
            raise ProtocolError(f"{text!r} is not an ISO 8601 date")
        return text


PLATFORM: Final = SensorPlatform()
