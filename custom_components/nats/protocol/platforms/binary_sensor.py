"""binary_sensor: ON, OFF or unknown, reported by the device; no commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..errors import ProtocolError
from ..platform import EntityInfo, Platform


@dataclass(frozen=True, slots=True, kw_only=True)
class BinarySensorInfo(EntityInfo):
    """An announced binary sensor."""


def on_off(data: Mapping[str, Any]) -> str | None:
    """Return the "ON"/"OFF" state of a state object, or None for unknown."""
    value = data["state"]
    if value is None:
        return None
    if value not in ("ON", "OFF"):
        raise ProtocolError(f"state {value!r} is not 'ON', 'OFF' or null")
    return str(value)


class BinarySensorPlatform(Platform[BinarySensorInfo, str | None]):
    """The binary_sensor platform."""

    name = "binary_sensor"
    info_type = BinarySensorInfo

    def parse_state(self, info: BinarySensorInfo, data: Mapping[str, Any]) -> str | None:
        """Validate ON/OFF/null."""
        return on_off(data)


PLATFORM: Final = BinarySensorPlatform()
