"""Typed, immutable views of validated protocol payloads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EntityDescription:
    """One entity of an announcement; equality tells whether it changed."""

    platform: str
    id: str
    name: str | None
    device_class: str | None = None
    category: str | None = None
    icon: str | None = None
    enabled_by_default: bool = True
    # sensor, number
    unit: str | None = None
    # sensor
    state_class: str | None = None
    precision: int | None = None
    numeric: bool | None = None
    # light
    color_modes: tuple[str, ...] = ()
    min_kelvin: int = 2000
    max_kelvin: int = 6500
    # number
    min: float = 0
    max: float = 100
    step: float = 1
    mode: str = "auto"
    # select; sensor with device class enum
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceAnnouncement:
    """A validated device announcement."""

    id: str
    name: str
    entities: tuple[EntityDescription, ...]
    heartbeat_interval: int = 60
    manufacturer: str | None = None
    model: str | None = None
    sw_version: str | None = None
    hw_version: str | None = None
    mac: str | None = None
    suggested_area: str | None = None


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A validated heartbeat."""

    online: bool
    interval: int
    uptime: float | None = None


@dataclass(frozen=True, slots=True)
class LightState:
    """A validated light state."""

    state: str | None
    brightness: int | None = None
    color_mode: str | None = None
    color_temp_kelvin: int | None = None
    rgb: tuple[int, int, int] | None = None


type StateValue = str | int | float | LightState | None


@dataclass(frozen=True, slots=True)
class Reply:
    """A validated command reply."""

    ok: bool
    state: dict[str, object] | None = None
    error: str | None = None
