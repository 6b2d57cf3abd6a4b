"""Server health from a real nats-server's monitoring endpoint: entities, repairs, options, diagnostics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component

from custom_components.nats import server_health
from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_COMMAND_TIMEOUT,
    CONF_MONITORING_URL,
    CONF_PREFIX,
    CONF_REPLICAS,
    CONF_SERVERS,
    DOMAIN,
)
from custom_components.nats.identity import SERVER_DEVICE, server_identifier
from custom_components.nats.server_health import issue_id

from ...example_server import ExampleServer, start_hub_and_home
from ...nats_server import NatsServer, free_port
from .conftest import open_options_settings, remove_device_in_ui, state_of, wait_for

STRINGS = json.loads((Path(__file__).parents[3] / "custom_components/nats/strings.json").read_text())


def _entry(url: str, monitor_port: int) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        data={CONF_SERVERS: [url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
        options={CONF_MONITORING_URL: f"http://127.0.0.1:{monitor_port}"},
    )


def _entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    unique_id = f"{entry.entry_id}:{SERVER_DEVICE}:health:{key}"
    entity_id = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert entity_id is not None, key
    return entity_id


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_health_entities_from_the_monitoring_endpoint(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    nats_server: NatsServer,
) -> None:
    """The NATS server device has diagnostic entities with the server's values; rates start disabled."""
    entry = _entry(nats_server.url, nats_server.monitor_port)
    await _setup(hass, entry)
    registry = er.async_get(hass)
    connections = _entity_id(hass, entry, "sensor", "connections")
    assert int(state_of(hass, connections)() or 0) >= 1  # Home Assistant's own connection at least
    assert state_of(hass, _entity_id(hass, entry, "sensor", "slow_consumers"))() == "0"
    jetstream = state_of(hass, _entity_id(hass, entry, "binary_sensor", "jetstream"))()
    storage = state_of(hass, _entity_id(hass, entry, "sensor", "jetstream_storage"))()
    if nats_server.jetstream:
        assert jetstream == STATE_ON
        assert float(storage or "nan") >= 0  # the home's streams, in MiB
    else:
        assert jetstream == STATE_OFF
        assert storage == "unknown"
    # No leaf remote on this server: no leaf link entity.
    assert (
        registry.async_get_entity_id("binary_sensor", DOMAIN, f"{entry.entry_id}:@server:health:leaf_link")
        is None
    )
    for key in ("connections", "slow_consumers", "jetstream_storage"):
        registry_entry = registry.async_get(_entity_id(hass, entry, "sensor", key))
        assert registry_entry is not None
        assert registry_entry.entity_category == "diagnostic"
        assert registry_entry.disabled_by is None
    for key in ("messages_in_rate", "messages_out_rate"):
        registry_entry = registry.async_get(_entity_id(hass, entry, "sensor", key))
        assert registry_entry is not None
        assert registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    device = registry.async_get(connections)
    assert device is not None
    server_device = dr.async_get(hass).async_get(device.device_id)
    assert server_device is not None
    assert server_device.identifiers == {server_identifier(entry.entry_id)}
    assert server_device.model == "nats-server"
    assert server_device.name == "NATS server"  # translated (device.server); this server has no server_name
    assert connections == "sensor.nats_server_connections"

    # Rates need two samples: messages per second since the last poll.
    coordinator = entry.runtime_data.health
    assert coordinator is not None
    assert coordinator.data.in_msgs_rate is None
    await coordinator.async_refresh()
    assert coordinator.data.in_msgs_rate is not None
    assert coordinator.data.in_msgs_rate >= 0

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    health = diagnostics["server_health"]
    assert health["monitoring_url"] == f"http://127.0.0.1:{nats_server.monitor_port}"
    assert health["last_update_success"] is True
    assert health["stats"]["jetstream_enabled"] is nats_server.jetstream
    assert health["stats"]["connections"] >= 1


async def test_the_server_device_stays_while_watched(
    hass: HomeAssistant, nats_server: NatsServer, hass_ws_client: WebSocketGenerator
) -> None:
    """Deleting the NATS server device is refused while the monitoring URL is set."""
    assert await async_setup_component(hass, "config", {})
    entry = _entry(nats_server.url, nats_server.monitor_port)
    await _setup(hass, entry)
    server_device = dr.async_get(hass).async_get_device_by_identifier(
        server_identifier(entry.entry_id), entry.entry_id
    )
    assert server_device is not None
    assert not await remove_device_in_ui(hass, hass_ws_client, entry.entry_id, server_device.id)
    assert dr.async_get(hass).async_get(server_device.id) is not None


async def test_unreachable_endpoint_leaves_the_home_working(
    hass: HomeAssistant, nats_server: NatsServer
) -> None:
    """A monitoring endpoint that does not answer: the entry loads, its health entities are unavailable."""
    entry = _entry(nats_server.url, free_port())
    await _setup(hass, entry)
    assert entry.runtime_data.hub.connected
    coordinator = entry.runtime_data.health
    assert coordinator is not None
    assert not coordinator.last_update_success
    assert state_of(hass, _entity_id(hass, entry, "sensor", "connections"))() == "unavailable"


@pytest.fixture
def hub_and_home(tmp_path: Path) -> Iterator[tuple[ExampleServer, ExampleServer]]:
    hub, home = start_hub_and_home(tmp_path)
    yield hub, home
    home.stop()
    hub.stop()


@pytest.mark.jetstream
async def test_leaf_link_down_flips_the_sensor_and_raises_a_repair(
    hass: HomeAssistant,
    hub_and_home: tuple[ExampleServer, ExampleServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hub goes: the leaf link turns off; after REPAIR_AFTER a repair appears; the hub is back: both clear."""
    monkeypatch.setattr(server_health, "REPAIR_AFTER", timedelta(seconds=0.5))
    hub, home = hub_and_home
    entry = _entry(home.url, home.monitor_port)
    await _setup(hass, entry)
    coordinator = entry.runtime_data.health
    assert coordinator is not None
    issues = ir.async_get(hass)
    leaf_issue = issue_id("leaf_down", entry.entry_id)

    async def _poll_until(predicate: Any) -> None:
        async with asyncio.timeout(15):
            while True:
                await coordinator.async_refresh()
                await hass.async_block_till_done()
                if predicate():
                    return
                await asyncio.sleep(0.1)

    await _poll_until(lambda: coordinator.data.leaf_up)  # the link forms within a moment of start
    leaf = _entity_id(hass, entry, "binary_sensor", "leaf_link")
    assert state_of(hass, leaf)() == STATE_ON
    assert state_of(hass, _entity_id(hass, entry, "binary_sensor", "jetstream"))() == STATE_ON

    hub.stop()
    await _poll_until(lambda: state_of(hass, leaf)() == STATE_OFF)
    assert issues.async_get_issue(DOMAIN, leaf_issue) is None  # down, but not for long yet
    await asyncio.sleep(0.6)
    await coordinator.async_refresh()
    issue = issues.async_get_issue(DOMAIN, leaf_issue)
    assert issue is not None
    assert issue.translation_key == "server_leaf_down"
    assert issue.translation_key in STRINGS["issues"]
    assert issues.async_get_issue(DOMAIN, issue_id("jetstream_down", entry.entry_id)) is None

    hub.start()
    await _poll_until(lambda: state_of(hass, leaf)() == STATE_ON)
    assert issues.async_get_issue(DOMAIN, leaf_issue) is None

    # A leaf link down for long again, then the entry unloads: nothing is left to clear its repair.
    hub.stop()
    await _poll_until(lambda: state_of(hass, leaf)() == STATE_OFF)
    await asyncio.sleep(0.6)
    await coordinator.async_refresh()
    assert issues.async_get_issue(DOMAIN, leaf_issue) is not None
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert issues.async_get_issue(DOMAIN, leaf_issue) is None


@pytest.mark.jetstream
async def test_jetstream_gone_for_long_is_a_repair(
    hass: HomeAssistant, nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server comes back without JetStream: the sensor turns off, a repair follows; JetStream back: cleared."""
    monkeypatch.setattr(server_health, "REPAIR_AFTER", timedelta(seconds=0.5))
    entry = _entry(nats_server.url, nats_server.monitor_port)
    await _setup(hass, entry)
    coordinator = entry.runtime_data.health
    assert coordinator is not None
    jetstream = _entity_id(hass, entry, "binary_sensor", "jetstream")
    assert state_of(hass, jetstream)() == STATE_ON
    issues = ir.async_get(hass)
    js_issue = issue_id("jetstream_down", entry.entry_id)
    with_jetstream = nats_server.config_file.read_text()

    nats_server.stop()
    nats_server.config_file.write_text(
        "\n".join(line for line in with_jetstream.splitlines() if "jetstream" not in line)
    )
    nats_server.start()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, jetstream)() == STATE_OFF
    assert issues.async_get_issue(DOMAIN, js_issue) is None
    await asyncio.sleep(0.6)
    await coordinator.async_refresh()
    issue = issues.async_get_issue(DOMAIN, js_issue)
    assert issue is not None
    assert issue.translation_key == "server_jetstream_down"
    assert issue.translation_key in STRINGS["issues"]

    nats_server.stop()
    nats_server.config_file.write_text(with_jetstream)
    nats_server.start()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state_of(hass, jetstream)() == STATE_ON
    assert issues.async_get_issue(DOMAIN, js_issue) is None


async def _settings(hass: HomeAssistant, entry: MockConfigEntry, url: str) -> dict[str, Any]:
    result = await open_options_settings(hass, entry)
    assert result["step_id"] == "settings"
    return dict(
        await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_COMMAND_TIMEOUT: 2.0, CONF_REPLICAS: "1", CONF_MONITORING_URL: url},
        )
    )


async def test_options_check_the_monitoring_url(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """A wrong URL is a translated form error; a right one turns the server's health on."""
    errors = STRINGS["options"]["error"]
    for url, error in (
        ("ftp://127.0.0.1:8222", "invalid_monitoring_url"),
        (f"http://127.0.0.1:{free_port()}", "monitoring_unreachable"),
        (f"http://127.0.0.1:{nats_server.port}", "monitoring_unreachable"),  # the client port, not http
    ):
        result = await _settings(hass, setup_entry, url)
        assert result["type"] is FlowResultType.FORM, url
        assert result["errors"] == {CONF_MONITORING_URL: error}, url
        assert error in errors
    assert setup_entry.runtime_data.health is None

    result = await _settings(hass, setup_entry, f" http://127.0.0.1:{nats_server.monitor_port}/ ")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert setup_entry.options[CONF_MONITORING_URL] == f"http://127.0.0.1:{nats_server.monitor_port}"
    await hass.async_block_till_done()  # the entry reloads with its server's health
    await wait_for(hass, lambda: setup_entry.runtime_data.health is not None)
    assert state_of(hass, _entity_id(hass, setup_entry, "sensor", "connections"))() not in (
        None,
        "unavailable",
    )

    # Emptied: no more health, after a reload.
    result = await _settings(hass, setup_entry, "")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_MONITORING_URL not in setup_entry.options
    await hass.async_block_till_done()
    assert setup_entry.runtime_data.health is None


async def test_server_device_is_named_after_its_server_name(hass: HomeAssistant, tmp_path: Path) -> None:
    """A server with a server_name gives the device its name (translated: device.named_server)."""
    server = NatsServer(tmp_path, 'server_name: "attic"', jetstream=False)
    server.start()
    try:
        entry = _entry(server.url, server.monitor_port)
        await _setup(hass, entry)
        device = dr.async_get(hass).async_get_device_by_identifier(
            server_identifier(entry.entry_id), entry.entry_id
        )
        assert device is not None
        assert device.name == "NATS server attic"
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        server.stop()
