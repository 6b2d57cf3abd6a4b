"""One runtime object per announced device: all the integration keeps about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.device_registry import DeviceEntry

from .availability import Liveness
from .device_history import DeviceHistory
from .protocol.models import DeviceAnnouncement
from .protocol.platform import EntityInfo

if TYPE_CHECKING:
    from .entity import NatsEntity

type EntityKey = tuple[str, str]
"""(platform, entity id) within one device."""


@dataclass(slots=True, eq=False)
class DeviceRuntime:
    """A device: its announcement, entities, their last states and its liveness.

    Forgetting a device is dropping this object; nothing about it lives elsewhere.
    """

    announcement: DeviceAnnouncement
    liveness: Liveness
    descriptions: dict[EntityKey, EntityInfo] = field(default_factory=dict)
    states: dict[EntityKey, object] = field(default_factory=dict)
    raw_states: dict[EntityKey, bytes] = field(default_factory=dict)
    """The payload each of `states` was read from, to judge it again by a changed announcement
    (state_ingest.py); a state confirmed in a command's reply has none."""
    entities: dict[EntityKey, NatsEntity[Any, Any]] = field(default_factory=dict)
    device_entry: DeviceEntry | None = None
    """Its device registry entry, which its entities link to directly (no lookup per entity)."""
    history: DeviceHistory = field(default_factory=DeviceHistory)
    """Its last commands, availability changes and refused messages (device diagnostics)."""

    @property
    def id(self) -> str:
        """The device id."""
        return self.announcement.id

    @property
    def name(self) -> str:
        """The announced name."""
        return self.announcement.name
