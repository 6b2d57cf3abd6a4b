"""Fixtures shared by every test: a real nats-server and real devices."""

from __future__ import annotations

import pytest

# Import our integration before the HA harness puts its own testing_config
# (with a `custom_components` package of its own) on sys.path.
import custom_components.nats  # noqa: F401

from .example_server import hub_and_home
from .nats_fixtures import DeviceFactory, clients, device_factory, nats_server, server_has_everything

__all__ = [
    "DeviceFactory",
    "clients",
    "device_factory",
    "hub_and_home",
    "nats_server",
    "server_has_everything",
]


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let tests open sockets; the HA harness still allows only 127.0.0.1."""
