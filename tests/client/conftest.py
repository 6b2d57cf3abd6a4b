"""Fixtures of the client's tests: real nats-servers, and clients closed at teardown.

Like tests/library, no Home Assistant: the client is part of the library.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsPyClient
import pytest

from nats_home.client import Client

from ..nats_server import NatsServer

type StartServer = Callable[..., NatsServer]
type Connect = Callable[..., Awaitable[Client]]
type ConnectNatsPy = Callable[..., Awaitable[NatsPyClient]]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """Start nats-servers (no JetStream unless asked) with extra configuration; stopped at teardown."""
    servers: list[NatsServer] = []

    def _start(config: str = "", *, jetstream: bool = False) -> NatsServer:
        workdir = tmp_path / f"server{len(servers)}"
        workdir.mkdir()
        server = NatsServer(workdir, config, jetstream=jetstream)
        servers.append(server)
        server.start()
        return server

    yield _start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_server: StartServer) -> NatsServer:
    """A plain nats-server: no authentication, no TLS, no JetStream."""
    return start_server()


@pytest.fixture
async def client_factory() -> AsyncIterator[Connect]:
    """Connect clients of nats_home.client; closed at teardown."""
    opened: list[Client] = []

    async def _connect(servers: str | list[str], **options: Any) -> Client:
        client = Client()
        opened.append(client)
        await client.connect(servers, **options)
        return client

    yield _connect
    for client in opened:
        await client.close()


@pytest.fixture
async def nats_py_factory() -> AsyncIterator[ConnectNatsPy]:
    """Connect nats-py clients (the reference implementation); closed at teardown."""
    opened: list[NatsPyClient] = []

    async def _connect(servers: str | list[str], **options: Any) -> NatsPyClient:
        client = await nats.connect(servers, **options)
        opened.append(client)
        return client

    yield _connect
    for client in opened:
        await client.close()


@pytest.fixture
async def client(server: NatsServer, client_factory: Connect) -> Client:
    """A client of nats_home.client connected to `server`."""
    return await client_factory(server.url)
