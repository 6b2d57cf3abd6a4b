"""The home as a leaf node of a hub (examples/nats-server/hub.conf + leaf-home.conf), both on loopback.

What the examples' comments promise, observed: with the hub gone, commands,
states and the home's own JetStream keep working at home; with the hub back,
a client on the hub sees the home's states and sends a confirmed command
through the leaf, and reaches the home's JetStream only as domain "home".
Home Assistant on the leaf is tested in tests/components/nats (issue 13).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.aio.client import Client
import nats.errors
import pytest

from nats_home.device import Device

from .example_server import ExampleServer

RELAY = "home.devices.plug.switch.relay"


async def _connect(clients: list[Client], url: str) -> Client:
    client = await nats.connect(url, reconnect_time_wait=0.2, max_reconnect_attempts=-1)
    clients.append(client)
    return client


async def _command(client: Client, state: str, timeout: float = 1.0) -> dict[str, Any]:
    reply = await client.request(f"{RELAY}.command", json.dumps({"state": state}).encode(), timeout=timeout)
    answer: dict[str, Any] = json.loads(reply.data)
    return answer


async def _until_command_crosses(client: Client, state: str) -> dict[str, Any]:
    """The leaf link takes a moment to (re)form and carry the device's subscription."""
    async with asyncio.timeout(15):
        while True:
            try:
                return await _command(client, state, timeout=0.5)
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                await asyncio.sleep(0.1)


async def test_home_keeps_working_without_the_hub_and_the_hub_sees_it_again(
    hub_and_home: tuple[ExampleServer, ExampleServer], clients: list[Client]
) -> None:
    hub, home = hub_and_home
    device_client = await _connect(clients, home.url)
    device = Device(
        device_client,
        "plug",
        "Plug",
        [{"platform": "switch", "id": "relay", "name": "Relay"}],
        heartbeat_interval=5,
    )
    await device.start()
    local = await _connect(clients, home.url)
    remote = await _connect(clients, hub.url)

    # Linked: the hub commands the device through the leaf, confirmed, and sees its state.
    remote_states = await remote.subscribe(f"{RELAY}.state")
    assert (await _until_command_crosses(remote, "ON"))["ok"] is True
    assert json.loads((await remote_states.next_msg(timeout=2)).data)["state"] == "ON"
    # The home's JetStream is its own domain: local calls stay local, the hub must name the domain.
    await local.jetstream().add_stream(name="NATS_HOME_HOME_STATES", subjects=["home.devices.*.*.*.state"])
    await local.publish(f"{RELAY}.state", b'{"state":"ON"}')
    info = await remote.jetstream(domain="home").stream_info("NATS_HOME_HOME_STATES")
    assert info.config.name == "NATS_HOME_HOME_STATES"
    with pytest.raises(nats.js.errors.NotFoundError):
        await remote.jetstream().stream_info("NATS_HOME_HOME_STATES")

    # The internet is gone: everything at home goes on.
    hub.stop()
    local_states = await local.subscribe(f"{RELAY}.state")
    assert (await _command(local, "OFF"))["ok"] is True
    assert json.loads((await local_states.next_msg(timeout=2)).data)["state"] == "OFF"
    for _ in range(100):  # the stream stores the state beside the subscriber getting it
        last = await local.jetstream().get_last_msg("NATS_HOME_HOME_STATES", f"{RELAY}.state")
        if json.loads(last.data or b"{}")["state"] == "OFF":
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the home's stream did not keep the state while the hub was gone")
    assert device.states["relay"]["state"] == "OFF"

    # The hub is back: the leaf reconnects by itself and the hub commands the device again.
    hub.start()
    assert (await _until_command_crosses(remote, "ON"))["ok"] is True
    assert device.states["relay"]["state"] == "ON"
    await device.stop()
