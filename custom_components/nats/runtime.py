"""Typed runtime data of a NATS config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .device_credentials import DeviceCredentials
    from .hub import NatsHub
    from .server_health import ServerHealthCoordinator


@dataclass(slots=True)
class NatsRuntimeData:
    """What a loaded entry holds: its hub (connection, devices, entities).

    In operator mode also the credentials of the devices it provisioned;
    with a monitoring URL, the server's health.
    """

    hub: NatsHub
    credentials: DeviceCredentials | None = None
    health: ServerHealthCoordinator | None = None


type NatsConfigEntry = ConfigEntry[NatsRuntimeData]
