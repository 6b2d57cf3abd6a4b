"""JetStream retention: the integration ensures a home's two streams, never overwriting a user's own."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import nats
from nats.js.api import StorageType, StreamConfig
import nats.js.errors
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.setup import async_setup_component

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_REPLICAS, CONF_SERVERS, DOMAIN
from custom_components.nats.identity import device_identifier
from custom_components.nats.protocol.subjects import Subjects
from custom_components.nats.retention import stream_names

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import remove_device_in_ui, wait_for

DEVICES, STATES = stream_names(Subjects("home"))
pytestmark = pytest.mark.jetstream


async def test_streams_are_created_and_capture_the_last_message(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """Set-up creates both streams; they keep one announcement per device and the last state per entity."""
    assert setup_entry.runtime_data.hub.retention.available
    device = await device_factory("plug", [{"platform": "switch", "id": "relay"}])
    await device.set_state("relay", "ON")
    await device.set_state("relay", "OFF")
    await wait_for(
        hass, lambda: (state := hass.states.get("switch.plug_relay")) is not None and state.state == "off"
    )
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        devices = await js.stream_info(DEVICES)
        assert devices.config.subjects == ["home.discovery.announce.*"]
        assert (devices.config.max_msgs_per_subject, devices.config.storage) == (1, StorageType.FILE)
        assert devices.config.num_replicas == 1
        stored = await js.get_last_msg(STATES, "home.devices.plug.switch.relay.state")
        assert stored.data == b'{"state":"OFF"}'
        assert (await js.get_last_msg(DEVICES, "home.discovery.announce.plug")).data
        assert (await js.stream_info(STATES)).state.messages == 2  # the last state and the last heartbeat
    finally:
        await client.close()


async def test_a_users_different_stream_is_explained_not_changed(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stream of that name with other settings is reported with its differences and left as it is."""
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await js.add_stream(
            StreamConfig(name=STATES, subjects=["home.devices.*.status"], storage=StorageType.MEMORY)
        )
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        assert config_entry.state is ConfigEntryState.LOADED
        problems = config_entry.runtime_data.hub.retention.mismatches[STATES]
        assert any("subjects" in problem for problem in problems)
        assert "memory storage instead of file" in problems
        assert (
            f"JetStream stream {STATES} exists with a configuration NATS Home does not change" in caplog.text
        )
        found = (await js.stream_info(STATES)).config
        assert (found.subjects, found.storage) == (["home.devices.*.status"], StorageType.MEMORY)
    finally:
        await client.close()


async def test_without_jetstream_the_home_works_and_says_so_once(
    hass: HomeAssistant, tmp_path: Path, device_factory: DeviceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A server without JetStream: one log line, and devices work as before."""
    caplog.set_level(logging.INFO, logger="custom_components.nats")
    (tmp_path / "plain").mkdir()
    server = NatsServer(tmp_path / "plain", jetstream=False)
    server.start()
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, data={CONF_SERVERS: [server.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"}
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        assert not entry.runtime_data.hub.retention.available
        assert caplog.text.count("JetStream is not enabled on the NATS server") == 1
        client = await nats.connect(server.url)
        try:
            await client.publish(
                "home.discovery.announce.plug",
                b'{"v":1,"id":"plug","name":"Plug","entities":[{"platform":"switch","id":"relay"}]}',
            )
            await client.publish("home.devices.plug.switch.relay.state", b'{"state":"ON"}')
            await client.flush()
            await wait_for(
                hass, lambda: (s := hass.states.get("switch.plug_relay")) is not None and s.state == "on"
            )
        finally:
            await client.close()
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        server.stop()


async def test_removing_a_device_purges_what_the_server_keeps(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A device removed in the UI leaves nothing retained, so no restart brings it back; others stay."""
    assert await async_setup_component(hass, "config", {})
    attic = await device_factory("attic", [{"platform": "switch", "id": "fan"}])
    await attic.set_state("fan", "ON")
    cellar = await device_factory("cellar", [{"platform": "switch", "id": "pump"}])
    await cellar.set_state("pump", "OFF")
    await wait_for(
        hass, lambda: (s := hass.states.get("switch.cellar_pump")) is not None and s.state == "off"
    )
    await wait_for(hass, lambda: (s := hass.states.get("switch.attic_fan")) is not None and s.state == "on")
    await attic.stop()  # gone for good: it will not announce again
    client = await nats.connect(nats_server.url)
    js = client.jetstream()

    async def goodbye_stored() -> bool:
        return b'"online":false' in (await js.get_last_msg(STATES, "home.devices.attic.status")).data

    # Its goodbye is stored before the removal, so the purge has everything to remove.
    async with asyncio.timeout(5):
        while True:
            if await goodbye_stored():
                break
            await asyncio.sleep(0.02)
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(setup_entry.entry_id, "attic"), setup_entry.entry_id
    )
    assert device is not None
    assert await remove_device_in_ui(hass, hass_ws_client, setup_entry.entry_id, device.id)

    try:
        for stream, subject in (
            (DEVICES, "home.discovery.announce.attic"),
            (STATES, "home.devices.attic.switch.fan.state"),
            (STATES, "home.devices.attic.status"),
        ):
            with pytest.raises(nats.js.errors.NotFoundError):
                await js.get_last_msg(stream, subject)
        assert (await js.get_last_msg(DEVICES, "home.discovery.announce.cellar")).data
        assert (
            await js.get_last_msg(STATES, "home.devices.cellar.switch.pump.state")
        ).data == b'{"state":"OFF"}'
    finally:
        await client.close()


def _stream_issues(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    """Return the integration's stream repair issues, by stream name."""
    return {
        issue.translation_placeholders["stream"]: issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.translation_key == "stream_mismatch" and issue.active
    }


async def test_a_mismatch_is_a_repair_issue_until_a_set_up_finds_none(
    hass: HomeAssistant, config_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """A user's different stream is a warning repair naming it and its differences, until fixed.

    Once the stream is deleted, the next set-up recreates it and the repair is gone.
    """
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await js.add_stream(StreamConfig(name=STATES, subjects=["home.devices.*.status"], storage="memory"))
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        issues = _stream_issues(hass)
        assert list(issues) == [STATES]  # the announcement stream was created as needed
        issue = issues[STATES]
        assert (issue.severity, issue.is_fixable, issue.is_persistent) == (
            ir.IssueSeverity.WARNING,
            False,
            False,
        )
        assert issue.translation_placeholders["entry"] == config_entry.title
        assert "memory storage instead of file" in issue.translation_placeholders["differences"]
        assert "subjects" in issue.translation_placeholders["differences"]

        await js.delete_stream(STATES)
        assert await hass.config_entries.async_reload(config_entry.entry_id)
        assert _stream_issues(hass) == {}
        assert (await js.stream_info(STATES)).config.storage == StorageType.FILE
    finally:
        await client.close()


async def test_the_repair_goes_with_the_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """Unloading (or deleting) the entry takes its stream repairs away; the next set-up raises them again."""
    client = await nats.connect(nats_server.url)
    try:
        await client.jetstream().add_stream(
            StreamConfig(name=DEVICES, subjects=["home.discovery.announce.*"], max_msgs_per_subject=5)
        )
        config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        assert list(_stream_issues(hass)) == [DEVICES]
        assert await hass.config_entries.async_unload(config_entry.entry_id)
        assert _stream_issues(hass) == {}
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        assert list(_stream_issues(hass)) == [DEVICES]
        assert await hass.config_entries.async_remove(config_entry.entry_id)
        assert _stream_issues(hass) == {}
    finally:
        await client.close()


async def test_replicas_a_single_server_cannot_provide(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Replicas 3 on a single server: the server refuses to change the integration's streams.

    The refusal is explained in the log and as a repair; back to 1, everything is right again.
    """
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)  # the streams, with 1 replica
    assert _stream_issues(hass) == {}
    hass.config_entries.async_update_entry(config_entry, options={CONF_REPLICAS: 3})
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.LOADED  # the home works without them
    assert "the server refused the change: replicas > 1 not supported in non-clustered mode" in caplog.text
    assert "set Replicas in the options to what the cluster has" in caplog.text
    issues = _stream_issues(hass)
    assert sorted(issues) == sorted([DEVICES, STATES])
    assert issues[DEVICES].translation_placeholders["differences"] == (
        "1 replicas instead of 3 (the server refused the change: replicas > 1 not supported in "
        "non-clustered mode)"
    )
    assert config_entry.runtime_data.hub.retention.mismatches[DEVICES]

    hass.config_entries.async_update_entry(config_entry, options={CONF_REPLICAS: 1})
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    assert _stream_issues(hass) == {}


async def test_replicas_a_single_server_cannot_create(
    hass: HomeAssistant, nats_server: NatsServer, config_entry: MockConfigEntry
) -> None:
    """Streams asked with 3 replicas from a single server are refused at creation: a repair says why."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_REPLICAS: 3})
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    issues = _stream_issues(hass)
    assert sorted(issues) == sorted([DEVICES, STATES])
    assert issues[STATES].translation_placeholders["differences"] == (
        "cannot be created: replicas > 1 not supported in non-clustered mode"
    )
