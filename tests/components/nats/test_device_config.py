"""The device configuration store: declared settings as configuration entities, written with compare-and-set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import logging
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client
import nats.js.errors
from nats.js.kv import KeyValue
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component

from custom_components.nats.const import CONF_AUTH_METHOD, CONF_PREFIX, CONF_SERVERS, DOMAIN
from custom_components.nats.identity import device_identifier
from nats_home.config_settings import ConfigValue, bucket_name
from nats_home.device import Device

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import remove_device_in_ui, state_of, wait_for

pytestmark = pytest.mark.jetstream

BUCKET = bucket_name("home")
CONFIG = [
    {
        "id": "heartbeat_interval",
        "name": "Heartbeat interval",
        "type": "number",
        "min": 1,
        "max": 600,
        "unit": "s",
    },
    {"id": "name", "name": "Name", "type": "text"},
    {
        "id": "threshold",
        "name": "Report threshold",
        "type": "number",
        "default": 5,
        "min": 1,
        "max": 50,
        "step": 0.5,
    },
    {"id": "led", "name": "Status LED", "type": "switch", "default": True},
]
ENTITIES = [{"platform": "switch", "id": "relay", "name": "Relay"}]
HEARTBEAT = "number.plug_heartbeat_interval"
NAME = "text.plug_name"
THRESHOLD = "number.plug_report_threshold"
LED = "switch.plug_status_led"


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


@pytest.fixture
async def kv(nats_server: NatsServer) -> AsyncIterator[KeyValue]:
    """Another client's view of the bucket (exists once the entry is set up)."""
    client = await nats.connect(nats_server.url)
    yield await client.jetstream().key_value(BUCKET)
    await client.close()


@pytest.fixture
async def plug(hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory) -> Device:
    """A device declaring every kind of setting, its configuration entities in Home Assistant."""
    changes: list[tuple[str, ConfigValue]] = []

    async def on_config(setting_id: str, value: ConfigValue) -> None:
        changes.append((setting_id, value))

    device = await device_factory("plug", ENTITIES, name="Plug", config=CONFIG, on_config=on_config)
    device.changes = changes  # type: ignore[attr-defined]
    await wait_for(hass, lambda: hass.states.get(LED) is not None and hass.states.get(NAME) is not None)
    return device


async def test_settings_are_configuration_entities(hass: HomeAssistant, plug: Device) -> None:
    """Each declared setting is a config entity on its device, named as declared, with its default."""
    registry = er.async_get(hass)
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    device = dr.async_get(hass).async_get_device_by_identifier(device_identifier(entry_id, "plug"), entry_id)
    assert device is not None
    for entity_id, setting, value in (
        (HEARTBEAT, "heartbeat_interval", "30"),
        (NAME, "name", "Plug"),
        (THRESHOLD, "threshold", "5"),
        (LED, "led", "on"),
    ):
        entry = registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert (entry.unique_id, entry.entity_category, entry.device_id) == (
            f"{entry_id}:plug:config:{setting}",
            EntityCategory.CONFIG,
            device.id,
        )
        assert hass.states.get(entity_id).state == value
    heartbeat = hass.states.get(HEARTBEAT).attributes
    assert (heartbeat["min"], heartbeat["max"], heartbeat["mode"], heartbeat["unit_of_measurement"]) == (
        1,
        600,
        "box",
        "s",
    )
    assert hass.states.get(THRESHOLD).attributes["step"] == 0.5
    assert hass.states.get(NAME).attributes["max"] == 64
    assert hass.states.get(NAME).attributes["friendly_name"] == "Plug Name"


async def test_a_change_in_home_assistant_reaches_the_device_live(hass: HomeAssistant, plug: Device) -> None:
    """Heartbeat interval, name (re-announced: the device registry follows) and device-defined settings."""
    await _call(hass, "number", SERVICE_SET_VALUE, HEARTBEAT, **{ATTR_VALUE: 2})
    assert hass.states.get(HEARTBEAT).state == "2"
    await wait_for(hass, lambda: plug.heartbeat_interval == 2)
    liveness = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.hub.devices["plug"].liveness
    await wait_for(hass, lambda: liveness.window == 2 * 2.5, what="the heartbeat with the new interval")

    await _call(hass, "text", "set_value", NAME, value="Office plug")
    await wait_for(hass, lambda: plug.name == "Office plug")
    registry, entry_id = dr.async_get(hass), hass.config_entries.async_entries(DOMAIN)[0].entry_id
    await wait_for(
        hass,
        lambda: registry.async_get_device_by_identifier(device_identifier(entry_id, "plug"), entry_id).name
        == "Office plug",
    )

    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 12.5})
    await _call(hass, "switch", SERVICE_TURN_OFF, LED)
    assert hass.states.get(LED).state == "off"
    await wait_for(hass, lambda: len(plug.changes) == 2)  # type: ignore[attr-defined]
    assert plug.changes == [("threshold", 12.5), ("led", False)]  # type: ignore[attr-defined]
    await _call(hass, "switch", SERVICE_TURN_ON, LED)
    await wait_for(hass, lambda: plug.config_values["led"] is True)


async def test_a_change_by_another_client_shows(hass: HomeAssistant, plug: Device, kv: KeyValue) -> None:
    """Home Assistant follows the bucket: a write or delete by anyone shows in the entity."""
    await kv.put("plug.threshold", b"33")
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == "33")
    await kv.delete("plug.threshold")
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == "5")
    # Home Assistant saw the delete: writing after it is no conflict.
    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 7})
    assert json.loads((await kv.get("plug.threshold")).value) == 7


async def test_two_writers_at_once_one_loses_with_a_clear_error(
    hass: HomeAssistant, plug: Device, kv: KeyValue
) -> None:
    """Both start from the same revision: one wins, the other fails saying the winner's value; nothing is lost."""
    results = await asyncio.gather(
        _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 10}),
        _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 20}),
        return_exceptions=True,
    )
    errors = [result for result in results if isinstance(result, BaseException)]
    assert len(errors) == 1, results
    error = errors[0]
    assert isinstance(error, HomeAssistantError)
    assert error.translation_key == "config_conflict"
    winner = 20 if results[0] is error else 10
    assert error.translation_placeholders == {
        "device": "Plug",
        "setting": "Report threshold",
        "value": str(winner),
    }
    assert "changed by someone else meanwhile; its value is now" in str(error)
    assert json.loads((await kv.get("plug.threshold")).value) == winner
    assert hass.states.get(THRESHOLD).state == str(winner)
    await wait_for(hass, lambda: plug.config_values["threshold"] == winner)
    # Having been told the new value, the loser's retry goes through.
    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 30})
    assert json.loads((await kv.get("plug.threshold")).value) == 30


async def test_an_external_write_home_assistant_has_not_seen_is_a_conflict(
    hass: HomeAssistant, plug: Device, kv: KeyValue
) -> None:
    """A write Home Assistant's watch has not delivered yet makes its compare-and-set fail."""
    hub = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.hub
    store = hub.device_config
    seen = store._stored.get(("plug", "threshold"))
    await kv.put("plug.threshold", b"44")
    # As if the watch were slow: Home Assistant still holds what it saw before that write.
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == "44")
    if seen is None:
        del store._stored[("plug", "threshold")]
    else:
        store._stored[("plug", "threshold")] = seen
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 9})
    assert err.value.translation_key == "config_conflict"
    assert err.value.translation_placeholders["value"] == "44"
    assert json.loads((await kv.get("plug.threshold")).value) == 44
    assert hass.states.get(THRESHOLD).state == "44"


async def test_a_restarted_device_picks_up_the_stored_values(
    hass: HomeAssistant, plug: Device, device_factory: DeviceFactory
) -> None:
    """Settings changed while a device was off apply when it starts; its config entities stay available."""
    await plug.stop()
    await wait_for(hass, lambda: state_of(hass, "switch.plug_relay")() == STATE_UNAVAILABLE)
    assert hass.states.get(THRESHOLD).state != STATE_UNAVAILABLE, "set up a device that is off"
    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 15})
    await _call(hass, "number", SERVICE_SET_VALUE, HEARTBEAT, **{ATTR_VALUE: 45})
    again = await device_factory("plug", ENTITIES, name="Plug", config=CONFIG)
    assert (again.config_values["threshold"], again.heartbeat_interval) == (15, 45)
    assert again.announcement()["heartbeat_interval"] == 45


async def test_a_bad_value_in_the_bucket_is_ignored(
    hass: HomeAssistant, plug: Device, kv: KeyValue, caplog: pytest.LogCaptureFixture
) -> None:
    """The device keeps its value and logs; Home Assistant shows the value as unknown."""
    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 8})
    await wait_for(hass, lambda: plug.config_values["threshold"] == 8)
    await kv.put("plug.threshold", b'"eight"')
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == STATE_UNKNOWN)
    await wait_for(
        hass,
        lambda: "Device plug: ignoring the stored value b'\"eight\"' of setting threshold" in caplog.text,
    )
    assert plug.config_values["threshold"] == 8
    assert "Device plug: the stored value of setting threshold is unusable" in caplog.text


async def test_entities_follow_the_declaration(
    hass: HomeAssistant, setup_entry: MockConfigEntry, nats_server: NatsServer
) -> None:
    """A setting dropped from the announcement loses its entity; a changed one is updated; a new one appears."""
    client = await nats.connect(nats_server.url)
    try:

        async def announce(config: list[dict[str, Any]]) -> None:
            payload = {"v": 1, "id": "plug", "name": "Plug", "entities": [], "config": config}
            await client.publish("home.discovery.announce.plug", json.dumps(payload).encode())

        await announce([{**CONFIG[2]}, {**CONFIG[3]}])
        await wait_for(hass, lambda: hass.states.get(LED) is not None)
        registry = er.async_get(hass)
        await announce(
            [{**CONFIG[2], "max": 20}, {"id": "note", "name": "Note", "type": "text", "default": "hi"}]
        )
        await wait_for(
            hass, lambda: hass.states.get(LED) is None and hass.states.get("text.plug_note") is not None
        )
        assert registry.async_get(LED) is None
        await wait_for(hass, lambda: hass.states.get(THRESHOLD).attributes["max"] == 20)
        assert hass.states.get("text.plug_note").state == "hi"
    finally:
        await client.close()


async def test_without_jetstream_there_are_no_configuration_entities(
    hass: HomeAssistant, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The device keeps its defaults, its other entities work, and the log says so once."""
    caplog.set_level(logging.INFO, logger="custom_components.nats")
    (tmp_path / "plain").mkdir()
    server = NatsServer(tmp_path / "plain", jetstream=False)
    server.start()
    client: Client | None = None
    try:
        entry = MockConfigEntry(
            domain=DOMAIN, data={CONF_SERVERS: [server.url], CONF_PREFIX: "home", CONF_AUTH_METHOD: "none"}
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        client = await nats.connect(server.url)
        devices = [
            Device(client, device_id, device_id.title(), ENTITIES, config=CONFIG, announce_jitter=0)
            for device_id in ("plug", "lamp")
        ]
        for device in devices:
            await device.start()
        await wait_for(hass, lambda: hass.states.get("switch.lamp_relay") is not None)
        assert hass.states.get(LED) is None
        assert not [e for e in er.async_get(hass).entities.values() if ":plug:config:" in e.unique_id]
        assert caplog.text.count("there is no configuration store") == 1
        assert devices[0].config_values["threshold"] == 5
        for device in devices:
            await device.stop()
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        if client is not None:
            await client.close()
        server.stop()


async def test_refusals_say_what_is_wrong(hass: HomeAssistant, plug: Device, kv: KeyValue) -> None:
    """A heartbeat in fractions of a second, a switch or text changed meanwhile, a key deleted meanwhile."""
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "number", SERVICE_SET_VALUE, HEARTBEAT, **{ATTR_VALUE: 30.5})
    assert err.value.translation_key == "config_invalid"
    assert "whole seconds" in err.value.translation_placeholders["error"]

    results = await asyncio.gather(
        _call(hass, "switch", SERVICE_TURN_OFF, LED),
        _call(hass, "switch", SERVICE_TURN_ON, LED),
        return_exceptions=True,
    )
    (error,) = [result for result in results if isinstance(result, HomeAssistantError)]
    assert error.translation_placeholders["value"] == ("on" if results[0] is error else "off")

    results = await asyncio.gather(
        _call(hass, "text", "set_value", NAME, value="A"),
        _call(hass, "text", "set_value", NAME, value="B"),
        return_exceptions=True,
    )
    (error,) = [result for result in results if isinstance(result, HomeAssistantError)]
    assert error.translation_placeholders["value"] == ('"B"' if results[0] is error else '"A"')

    store = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.hub.device_config
    seen = store._stored.get(("plug", "threshold"))
    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 6})
    before_delete = store._stored[("plug", "threshold")]
    await kv.delete("plug.threshold")
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == "5")
    store._stored[("plug", "threshold")] = before_delete  # as if the delete had not been seen yet
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 9})
    assert err.value.translation_placeholders["value"] == "5", "deleted: the default"
    assert seen is None or seen.revision < before_delete.revision


async def test_a_write_while_disconnected_is_refused(
    hass: HomeAssistant, plug: Device, nats_server: NatsServer
) -> None:
    """Without the connection the configuration entities are unavailable, and a write says why."""
    hub = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.hub
    nats_server.stop()
    try:
        await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == STATE_UNAVAILABLE)
        with pytest.raises(HomeAssistantError) as err:
            await hub.device_config.async_set("plug", "threshold", 7)
        assert err.value.translation_key == "not_connected"
    finally:
        nats_server.start()
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == "5", timeout=15)


async def test_removing_a_device_purges_its_settings(
    hass: HomeAssistant, plug: Device, kv: KeyValue, hass_ws_client: WebSocketGenerator
) -> None:
    """A device removed in the UI leaves no settings behind; one announcing that id again starts from defaults."""
    assert await async_setup_component(hass, "config", {})
    await _call(hass, "number", SERVICE_SET_VALUE, THRESHOLD, **{ATTR_VALUE: 12})
    await kv.put("lamp.threshold", b"3")  # another device's stays
    await plug.stop()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry.entry_id, "plug"), entry.entry_id
    )
    assert await remove_device_in_ui(hass, hass_ws_client, entry.entry_id, device.id)
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get("plug.threshold")
    assert (await kv.get("lamp.threshold")).value == b"3"
    await plug.start()
    await wait_for(hass, lambda: state_of(hass, THRESHOLD)() == "5")
    assert plug.config_values["threshold"] == 5
