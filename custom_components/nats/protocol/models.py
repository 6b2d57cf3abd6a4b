"""Typed, immutable views of the validated messages that are not per platform."""

from __future__ import annotations

from dataclasses import dataclass

from .config_settings import ConfigSetting
from .platform import EntityInfo


@dataclass(frozen=True, slots=True)
class DeviceAnnouncement:
    """A validated device announcement."""

    id: str
    name: str
    entities: tuple[EntityInfo, ...]
    heartbeat_interval: int = 60
    manufacturer: str | None = None
    model: str | None = None
    sw_version: str | None = None
    hw_version: str | None = None
    mac: str | None = None
    suggested_area: str | None = None
    config: tuple[ConfigSetting, ...] = ()
    """Declared settings (added in 1.4), their values kept in the home's bucket."""


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A validated heartbeat."""

    online: bool
    interval: int
    uptime: float | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A validated command reply."""

    ok: bool
    state: dict[str, object] | None = None
    error: str | None = None
