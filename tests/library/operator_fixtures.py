"""A home in operator (JWT) mode on a real nats-server, and connections that record its refusals.

Used by the operator-mode tests of the device library; like the rest of
tests/library, without Home Assistant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import pytest

from nats_home.credentials_file import DeviceCredentials
from nats_home.operator import HomeSetup, OperatorBundle, UserCredentials
from nats_home.permissions import device_inbox_prefix

from ..nats_fixtures import until
from ..nats_operator import connect_options, operator_server
from ..nats_server import NatsServer


@dataclass(slots=True)
class Refusals:
    """What the server told one client: errors (permission violations, authorization) and closing."""

    errors: list[str] = field(default_factory=list)
    closed: bool = False

    async def record(self, err: Exception) -> None:
        """nats-py's error callback."""
        self.errors.append(str(err))

    async def on_closed(self) -> None:
        """nats-py's closed callback."""
        self.closed = True

    async def wait_for(self, kind: str, subject: str) -> None:
        """Return once the server refused `kind` (Publish/Subscription) on `subject`."""
        wanted = f'permissions violation for {kind.lower()} to "{subject.lower()}"'
        await until(lambda: any(wanted in error.lower() for error in self.errors), 5)


@dataclass(slots=True)
class Home:
    """A running server in operator mode, its keys, and the clients opened on it."""

    server: NatsServer
    setup: HomeSetup
    clients: list[Client] = field(default_factory=list)

    @property
    def bundle(self) -> OperatorBundle:
        """What Home Assistant keeps: its users and the signing keys."""
        return self.setup.bundle

    async def connect(
        self,
        creds: UserCredentials | DeviceCredentials | None = None,
        *,
        device_id: str | None = None,
        refusals: Refusals | None = None,
        **options: Any,
    ) -> Client:
        """Connect as `creds` (Home Assistant's user by default); a device with its own inbox."""
        refusals = refusals or Refusals()
        if isinstance(creds, DeviceCredentials):
            auth = creds.connect_options()
        else:
            auth = connect_options(creds or self.bundle.home_assistant)
        client = await nats.connect(
            self.server.url,
            inbox_prefix=device_inbox_prefix(device_id) if device_id else "_INBOX",
            error_cb=refusals.record,
            closed_cb=refusals.on_closed,
            **{"max_reconnect_attempts": 0, **options, **auth},
        )
        self.clients.append(client)
        return client

    def log(self) -> str:
        """The server's log so far."""
        return (self.server.workdir / "nats.log").read_text(errors="replace")


@pytest.fixture
def operator_home_server(tmp_path: Path) -> Iterator[tuple[NatsServer, HomeSetup]]:
    """nats-server with JetStream trusting a fresh home's operator."""
    server, setup = operator_server(tmp_path)
    yield server, setup
    server.stop()


@pytest.fixture
async def home(operator_home_server: tuple[NatsServer, HomeSetup]) -> AsyncIterator[Home]:
    """The home; its clients are closed at teardown."""
    running = Home(*operator_home_server)
    yield running
    for client in running.clients:
        await client.close()
