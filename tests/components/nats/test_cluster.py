"""A home on a 3-node nats-server cluster: R3 streams, fail-over of Home Assistant's connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import nats.errors
from nats.js.api import StorageType, StreamConfig
import nats.js.errors
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from custom_components.nats.const import (
    CONF_AUTH_METHOD,
    CONF_COMMAND_TIMEOUT,
    CONF_PREFIX,
    CONF_REPLICAS,
    CONF_SERVERS,
    DOMAIN,
)
from custom_components.nats.protocol.subjects import Subjects
from custom_components.nats.retention import stream_names
from nats_home.device import Device

from ...nats_cluster import NatsCluster
from ...nats_server import NatsServer
from .conftest import open_options_settings, wait_for

DEVICES, STATES = stream_names(Subjects("home"))
RELAY = "switch.plug_relay"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    """Three nats-servers on loopback routed into one cluster, JetStream healthy on each."""
    nodes = NatsCluster(tmp_path / "cluster")
    nodes.start()
    yield nodes
    nodes.stop()


async def _connect(clients: list[Client], *urls: str) -> Client:
    client = await nats.connect(list(urls), reconnect_time_wait=0.2, max_reconnect_attempts=-1)
    clients.append(client)
    return client


def _entry(cluster: NatsCluster, **options: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="NATS (home)",
        data={CONF_SERVERS: cluster.urls, CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"},
        options=options,
    )


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED


def _stream_issues(hass: HomeAssistant) -> dict[str, str]:
    """Return the open stream repairs: stream name -> differences."""
    return {
        issue.translation_placeholders["stream"]: issue.translation_placeholders["differences"]
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.translation_key == "stream_mismatch" and issue.active
    }


async def test_streams_get_three_replicas_on_the_cluster(
    hass: HomeAssistant, cluster: NatsCluster, clients: list[Client]
) -> None:
    """Replicas 3 in the options: both streams of the home are created with 3 replicas, on 3 servers."""
    entry = _entry(cluster, **{CONF_REPLICAS: 3})
    await _set_up(hass, entry)
    assert entry.runtime_data.hub.retention.mismatches == {}
    js = (await _connect(clients, cluster.urls[2])).jetstream()
    for stream in (DEVICES, STATES):
        info = await js.stream_info(stream)
        assert info.config.num_replicas == 3
        assert info.cluster is not None
        peers = {info.cluster.leader, *(peer.name for peer in info.cluster.replicas or [])}
        assert peers == {"n0", "n1", "n2"}
    assert _stream_issues(hass) == {}


async def test_replicas_change_on_the_streams_of_the_home_only(
    hass: HomeAssistant, cluster: NatsCluster, clients: list[Client], caplog: pytest.LogCaptureFixture
) -> None:
    """New replicas in the options change the streams NATS Home created, never a user's own.

    Replicas the cluster cannot provide (5 on 3 servers) leave the stream as it is, explained in
    the log and as a repair.
    """
    caplog.set_level(logging.INFO, logger="custom_components.nats")
    js = (await _connect(clients, cluster.urls[0])).jetstream()
    # The user's own state stream: what the integration needs, but one replica and no "NATS Home:".
    await js.add_stream(
        StreamConfig(
            name=STATES,
            subjects=["home.devices.*.*.*.state", "home.devices.*.status"],
            max_msgs_per_subject=1,
            storage=StorageType.FILE,
            allow_direct=True,
        )
    )
    entry = _entry(cluster)
    await _set_up(hass, entry)
    assert _stream_issues(hass) == {}  # replicas 1 by default: nothing differs

    result = await open_options_settings(hass, entry)
    await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_COMMAND_TIMEOUT: 2, CONF_REPLICAS: "3"}
    )
    await hass.async_block_till_done()  # the entry reloads
    assert entry.state is ConfigEntryState.LOADED
    assert (await js.stream_info(DEVICES)).config.num_replicas == 3
    assert f"Changed JetStream stream {DEVICES} from 1 to 3 replicas" in caplog.text
    assert (await js.stream_info(STATES)).config.num_replicas == 1  # the user's: only reported
    # The settings bucket NATS Home created follows the option like its streams.
    assert (await js.stream_info("KV_NATS_HOME_HOME_CONFIG")).config.num_replicas == 3
    assert _stream_issues(hass) == {STATES: "1 replicas instead of 3"}

    hass.config_entries.async_update_entry(entry, options={CONF_REPLICAS: 5})
    assert await hass.config_entries.async_reload(entry.entry_id)
    assert (await js.stream_info(DEVICES)).config.num_replicas == 3
    differences = _stream_issues(hass)[DEVICES]
    assert differences.startswith("3 replicas instead of 5 (the server refused the change: ")
    assert "set Replicas in the options to what the cluster has" in caplog.text


async def test_fail_over_loses_no_command_and_keeps_the_retained_data(
    hass: HomeAssistant, cluster: NatsCluster, clients: list[Client], caplog: pytest.LogCaptureFixture
) -> None:
    """The node Home Assistant uses dies during a loop of switch commands.

    Home Assistant reconnects to another node; every command either succeeded, and then the device
    received it, or raised an error: none is silently lost, and commands succeed again after the
    fail-over. The R3 streams still hold the device's announcement and last states.
    """
    entry = _entry(cluster, **{CONF_REPLICAS: 3})
    await _set_up(hass, entry)
    hub = entry.runtime_data.hub
    doomed = cluster.node_for(hub.client.connected_url)
    survivors = [node for node in cluster.nodes if node is not doomed]
    device = Device(
        await _connect(clients, survivors[0].url),
        "plug",
        "Plug",
        [{"platform": "switch", "id": "relay"}, {"platform": "sensor", "id": "power", "unit": "W"}],
        announce_jitter=0,
    )
    await device.start()
    reader = await _connect(clients, survivors[1].url)
    js = reader.jetstream(timeout=1)
    try:
        await device.set_state("power", 42.5)
        await wait_for(hass, lambda: (state := hass.states.get(RELAY)) and state.state != STATE_UNAVAILABLE)
        assert await _direct_get(js, STATES, "home.devices.plug.sensor.power.state") == b'{"state":42.5}'
        # The worst case: the dying node also leads both streams.
        for stream in (DEVICES, STATES):
            await _move_leader(reader, stream, cluster.name_of(doomed))

        sent = await _command_loop(hass, cluster, doomed, caplog)

        assert cluster.node_for(hub.client.connected_url) in survivors
        succeeded = [wanted for _, wanted, outcome in sent if outcome == "ok"]
        received = [command["state"] for entity, command in device.commands if entity == "relay"]
        assert _is_subsequence(succeeded, received), (sent, received)
        # A skipped call sent nothing; an errored one may have reached the device (its reply lost).
        assert len(received) <= sum(outcome != "skipped" for _, _, outcome in sent), (sent, received)

        # What was retained before the node died is still there, read from a surviving node
        # (whichever node leads the streams now) ...
        assert b'"id":"plug"' in await _direct_get(js, DEVICES, "home.discovery.announce.plug")
        assert await _direct_get(js, STATES, "home.devices.plug.sensor.power.state") == b'{"state":42.5}'
        assert b'"online":true' in await _direct_get(js, STATES, "home.devices.plug.status")
        info = await _stream_info(js, STATES)  # once a surviving node leads it
        assert info.config.num_replicas == 3
        assert info.cluster is not None
        assert info.cluster.leader in {cluster.name_of(node) for node in survivors}
        # ... and the streams, on two servers of three, keep capturing: the relay's last state.
        await hass.services.async_call("switch", SERVICE_TOGGLE, {ATTR_ENTITY_ID: RELAY}, blocking=True)
        last = b'{"state":"%s"}' % device.states["relay"]["state"].encode()
        async with asyncio.timeout(5):
            while True:
                if await _direct_get(js, STATES, "home.devices.plug.switch.relay.state") == last:
                    break
                await asyncio.sleep(0.05)
    finally:
        await device.stop(clean=False)


async def _command_loop(
    hass: HomeAssistant, cluster: NatsCluster, doomed: NatsServer, caplog: pytest.LogCaptureFixture
) -> list[tuple[int, str, str]]:
    """Switch the relay on and off; kill `doomed` during the 30th call; stop 20 successes later.

    Returns each call with what was asked and its outcome: "ok" (the action returned), "error"
    (it raised HomeAssistantError) or "skipped": the entity was unavailable, which Home
    Assistant answers with a warning and no error (docs/integration.md, "When a device is
    offline"), sending nothing.
    """
    sent: list[tuple[int, str, str]] = []
    killed_at = 0
    async with asyncio.timeout(15):
        call = 0
        while not killed_at or sum(outcome == "ok" for n, _, outcome in sent if n > killed_at) < 20:
            call += 1
            if call == 30:  # SIGKILL from another thread: it lands while commands are in flight
                kill = asyncio.get_running_loop().run_in_executor(None, cluster.kill, doomed)
                killed_at = call
            wanted = "ON" if call % 2 else "OFF"
            skipped_before = _skips(caplog)
            try:
                await hass.services.async_call(
                    "switch",
                    SERVICE_TURN_ON if wanted == "ON" else SERVICE_TURN_OFF,
                    {ATTR_ENTITY_ID: RELAY},
                    blocking=True,
                )
            except HomeAssistantError:
                sent.append((call, wanted, "error"))
                continue
            if _skips(caplog) > skipped_before:
                sent.append((call, wanted, "skipped"))
                continue
            sent.append((call, wanted, "ok"))
            assert hass.states.get(RELAY).state == wanted.lower()  # the state the device confirmed
    await kill
    assert all(outcome == "ok" for n, _, outcome in sent if n < killed_at), sent
    return sent


def _skips(caplog: pytest.LogCaptureFixture) -> int:
    return sum(
        "not currently available" in record.getMessage() and RELAY in record.getMessage()
        for record in caplog.records
    )


async def _move_leader(client: Client, stream: str, name: str) -> None:
    """Have the server `name` lead a stream (a leader step-down with a preferred successor)."""
    js = client.jetstream(timeout=1)
    request = json.dumps({"placement": {"preferred": name}}).encode()
    async with asyncio.timeout(10):
        while (await _stream_info(js, stream)).cluster.leader != name:
            with contextlib.suppress(nats.errors.TimeoutError):
                await client.request(f"$JS.API.STREAM.LEADER.STEPDOWN.{stream}", request, timeout=1)
            await asyncio.sleep(0.1)


async def _stream_info(js: Any, stream: str) -> Any:
    """Return a stream's info once it has a leader; after a node loss the cluster elects one."""
    async with asyncio.timeout(15):
        while True:
            with contextlib.suppress(
                nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.Error
            ):
                info = await js.stream_info(stream)
                if info.cluster is not None and info.cluster.leader:
                    return info
            await asyncio.sleep(0.05)


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    """Return whether `part` appears in `whole` in order (each item matched once)."""
    remaining = iter(whole)
    return all(any(item == other for other in remaining) for item in part)


async def _direct_get(js: Any, stream: str, subject: str) -> bytes:
    """Return the last message of a subject by a direct get, which any replica answers.

    Retried while the cluster recovers from the node loss.
    """
    async with asyncio.timeout(10):
        while True:
            try:
                return bytes((await js.get_last_msg(stream, subject, direct=True)).data)
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError, nats.js.errors.Error):
                await asyncio.sleep(0.05)
