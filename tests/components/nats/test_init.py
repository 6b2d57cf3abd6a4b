"""Setup, unload and reload of the config entry."""

from __future__ import annotations

import asyncio
import json
import urllib.request

from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for


def _ha_connections(server: NatsServer) -> list[dict[str, object]]:
    return [c for c in server.connections() if str(c.get("name", "")).startswith("Home Assistant")]


def _closed_ha_connections(server: NatsServer) -> list[dict[str, object]]:
    """The server's record of Home Assistant connections it has seen closed."""
    url = f"http://127.0.0.1:{server.monitor_port}/connz?state=closed"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (fixed http URL)
        closed: list[dict[str, object]] = json.load(response)["connections"] or []
    return [c for c in closed if str(c.get("name", "")).startswith("Home Assistant")]


async def test_subscriptions(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """Home Assistant holds one connection with exactly the home's subscriptions, and one for JetStream."""
    connections = await hass.async_add_executor_job(_ha_connections, nats_server)
    assert sorted(str(c["name"]).endswith("JetStream") for c in connections) == [False, True]
    core = next(c for c in connections if not str(c["name"]).endswith("JetStream"))
    jetstream = next(c for c in connections if str(c["name"]).endswith("JetStream"))
    # The JetStream connection follows the settings bucket, and nothing of the home's live traffic.
    assert not any(s.startswith("home.") for s in _home_subscriptions(jetstream))
    # Besides the inbox the commands' answers arrive on.
    assert _home_subscriptions(core) == [
        "home.devices.*.*.*.event",
        "home.devices.*.*.*.state",
        "home.devices.*.log",
        "home.devices.*.status",
        "home.discovery.announce",
        "home.discovery.announce.*",
    ]


def _home_subscriptions(connection: dict[str, object]) -> list[str]:
    """The connection's subscriptions except nats-py's request inbox (`_INBOX.<id>.*`)."""
    subscriptions = connection["subscriptions_list"]
    assert isinstance(subscriptions, list)
    return sorted(s for s in subscriptions if not s.startswith("_INBOX."))


def _tasks_of(client: object) -> set[asyncio.Task[object]]:
    """Running tasks of the integration or of its NATS client (not of the test's devices)."""
    found = set()
    for task in asyncio.all_tasks():
        coro = task.get_coro()
        code, frame = getattr(coro, "cr_code", None), getattr(coro, "cr_frame", None)
        owner = frame.f_locals.get("self") if frame is not None else None
        in_integration = (
            code is not None
            and "custom_components/nats/" in code.co_filename
            and not code.co_filename.endswith("protocol/device.py")
        )
        if not task.done() and (in_integration or owner is client or getattr(owner, "_conn", None) is client):
            found.add(task)
    return found


async def test_unload_leaves_nothing_behind(
    hass: HomeAssistant, config_entry: MockConfigEntry, nats_server: NatsServer, device_factory: DeviceFactory
) -> None:
    """Unloading closes both connections, their subscriptions and every task they started."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await device_factory("loft", [{"platform": "switch", "id": "fan"}], heartbeat_interval=1)
    await wait_for(hass, lambda: hass.states.get("switch.loft_fan") is not None)
    hub = config_entry.runtime_data.hub
    clients = (hub.client, hub.jetstream_client)
    # The own client runs no task of its own while idle; nats-py's does (reader, flusher, pinger).
    assert _tasks_of(hub.jetstream_client), "the check below must see the client's tasks while it runs"

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    # The server drops a connection when it reads the client's close, on its own
    # time: wait until it has, then check its record says the client closed it.
    async with asyncio.timeout(10):
        while True:
            closed = await hass.async_add_executor_job(_closed_ha_connections, nats_server)
            if len(closed) == 2 and not await hass.async_add_executor_job(_ha_connections, nats_server):
                break
            await asyncio.sleep(0.02)
    assert [c["reason"] for c in closed] == ["Client Closed", "Client Closed"]
    assert state_of(hass, "switch.loft_fan")() == STATE_UNAVAILABLE
    assert all(_tasks_of(client) == set() for client in clients)


async def test_reload(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer, device_factory: DeviceFactory
) -> None:
    """After a reload the devices come back (discovery request), without duplicates."""
    device = await device_factory("loft", [{"platform": "switch", "id": "fan"}])
    await device.set_state("fan", "ON")
    await wait_for(hass, lambda: state_of(hass, "switch.loft_fan")() == "on")

    assert await hass.config_entries.async_reload(setup_entry.entry_id)
    await wait_for(hass, lambda: state_of(hass, "switch.loft_fan")() == "on")
    assert len(hass.states.async_entity_ids()) == 1
    connections = await hass.async_add_executor_job(_ha_connections, nats_server)
    assert len(connections) == 2  # the live one and the JetStream one, no leftovers
    assert sorted(
        len(_home_subscriptions(c)) for c in connections if not str(c["name"]).endswith("JetStream")
    ) == [6]


async def test_server_down_retries(
    hass: HomeAssistant, config_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """No server at startup: the entry retries later instead of failing for good."""
    nats_server.stop()
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "Cannot connect to the NATS server" in (config_entry.reason or "")
