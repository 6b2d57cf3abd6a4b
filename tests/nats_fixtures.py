"""Fixtures without Home Assistant: a real nats-server and devices on the device library.

Shared by the whole suite (tests/conftest.py) and by tests/library, which
also runs in an environment without Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import pytest

from nats_home.device import Device
from nats_home.permissions import device_inbox_prefix

from .nats_server import NatsServer


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    """NATS clients a test opens (devices, readers, remote ends), closed at teardown."""
    opened: list[Client] = []
    yield opened
    for client in opened:
        await client.close()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A running nats-server with JetStream, no authentication."""
    server = NatsServer(tmp_path)
    server.start()
    yield server
    server.stop()


type DeviceFactory = Callable[..., Awaitable[Device]]


@pytest.fixture
async def device_factory(nats_server: NatsServer) -> AsyncIterator[DeviceFactory]:
    """Start protocol devices, each on its own connection, stopped at teardown."""
    devices: list[Device] = []
    clients: list[Client] = []

    async def _start(device_id: str, entities: list[dict[str, Any]], **kwargs: Any) -> Device:
        client = await nats.connect(
            nats_server.url,
            reconnect_time_wait=0.2,
            max_reconnect_attempts=-1,
            inbox_prefix=device_inbox_prefix(device_id),  # as a device with its own permissions must
        )
        clients.append(client)
        kwargs.setdefault("name", device_id.replace("-", " ").title())
        kwargs.setdefault("announce_jitter", 0)
        device = Device(client, device_id, entities=entities, **kwargs)
        devices.append(device)
        await device.start()
        return device

    yield _start
    for device in devices:
        await device.stop(clean=False)
    for client in clients:
        await client.close()


async def server_has_everything(client: Client) -> None:
    """Return once the server has processed every command `client` sent so far.

    nats-py's flush() writes its PING straight to the socket, ahead of the SUB,
    UNSUB and PUB commands its flusher task has yet to write; so one PONG does
    not prove the server has those. The first flush has the flusher write them
    (asyncio runs it before the PONG can be read); the second PING follows them.
    """
    await client.flush()
    await client.flush()


async def until(predicate: Callable[[], object], timeout: float, poll: float = 0.02) -> None:
    """Wait until predicate() is true (without HA's block_till_done, which a busy loop would stretch)."""
    async with asyncio.timeout(timeout):
        while True:
            if predicate():
                return
            await asyncio.sleep(poll)
