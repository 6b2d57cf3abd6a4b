"""Setup, unload and reload of the config entry."""

from __future__ import annotations

import asyncio

from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for


def _ha_connections(server: NatsServer) -> list[dict[str, object]]:
    return [c for c in server.connections() if str(c.get("name", "")).startswith("Home Assistant")]


async def test_subscriptions(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """Home Assistant holds one connection with exactly the home's subscriptions."""
    connections = await hass.async_add_executor_job(_ha_connections, nats_server)
    assert len(connections) == 1
    assert sorted(connections[0]["subscriptions_list"]) == [
        "home.devices.*.*.*.state",
        "home.devices.*.status",
        "home.discovery.announce",
        "home.discovery.announce.*",
    ]


async def test_unload_leaves_nothing_behind(
    hass: HomeAssistant, config_entry: MockConfigEntry, nats_server: NatsServer, device_factory: DeviceFactory
) -> None:
    """Unloading closes the connection, its subscriptions and every task it started."""
    tasks_before = asyncio.all_tasks()
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await device_factory("loft", [{"platform": "switch", "id": "fan"}], heartbeat_interval=1)
    await wait_for(hass, lambda: hass.states.get("switch.loft_fan") is not None)

    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    assert await hass.async_add_executor_job(_ha_connections, nats_server) == []
    assert state_of(hass, "switch.loft_fan")() == STATE_UNAVAILABLE
    await asyncio.sleep(0)
    leftover = [
        t for t in asyncio.all_tasks() - tasks_before if not t.done() and "nats" in repr(t.get_coro())
    ]
    assert leftover == []


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
    assert len(connections) == 1
    assert len(connections[0]["subscriptions_list"]) == 4


async def test_server_down_retries(
    hass: HomeAssistant, config_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """No server at startup: the entry retries later instead of failing for good."""
    nats_server.stop()
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert "Cannot connect to the NATS server" in (config_entry.reason or "")
