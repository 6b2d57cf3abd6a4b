"""Typed runtime data of a NATS config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .hub import NatsHub


@dataclass(slots=True)
class NatsRuntimeData:
    """What a loaded entry holds: its hub (connection, devices, entities)."""

    hub: NatsHub


type NatsConfigEntry = ConfigEntry[NatsRuntimeData]
