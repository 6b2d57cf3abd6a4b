"""Typed runtime data of a NATS config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .device_credentials import DeviceCredentials
    from .hub import NatsHub


@dataclass(slots=True)
class NatsRuntimeData:
    """What a loaded entry holds: its hub (connection, devices, entities).

    In operator mode also the credentials of the devices it provisioned.
    """

    hub: NatsHub
    credentials: DeviceCredentials | None = None


type NatsConfigEntry = ConfigEntry[NatsRuntimeData]
