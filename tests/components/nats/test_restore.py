"""Zero-gap restart: Home Assistant starts with every retained device, entity and last state.

A "restart" here is what Home Assistant's own process restart does to the
integration: the entry is unloaded, the states it wrote are dropped (a new
process starts with none), and the entry is set up again. What the tests
check is there the moment set-up returns, before any device could speak.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import nats
from nats.js import JetStreamContext
import nats.js.errors
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component

from custom_components.nats.identity import device_identifier
from custom_components.nats.protocol.subjects import Subjects
from custom_components.nats.retained_reader import _stamp
from custom_components.nats.retention import stream_names

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import remove_device_in_ui, wait_for

DEVICES, STATES = stream_names(Subjects("home"))
pytestmark = pytest.mark.jetstream
PLUG = [{"platform": "switch", "id": "relay"}, {"platform": "sensor", "id": "power", "unit": "W"}]


async def _until_stored(js: JetStreamContext, stream: str, subject: str, data: bytes) -> None:
    """Wait until the stream's last message on a subject contains data (the restart's barrier)."""
    async with asyncio.timeout(5):
        while True:
            try:
                if data in (await js.get_last_msg(stream, subject)).data:
                    return
            except nats.js.errors.NotFoundError:
                pass
            await asyncio.sleep(0.02)


async def _stop_home_assistant(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload the entry and drop its states, as a Home Assistant process that ends."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    for state in hass.states.async_all():
        if state.entity_id.split(".")[0] in {"switch", "sensor", "light"}:
            hass.states.async_remove(state.entity_id)


def _value(hass: HomeAssistant, entity_id: str) -> str | None:
    state = hass.states.get(entity_id)
    return state.state if state is not None else None


async def test_restart_with_every_device_offline_restores_devices_states_and_availability(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """Devices gone during the restart come back at once with their last state.

    One stopped cleanly (it said so: unavailable), one lost its power (its last
    heartbeat is within its window: available until the window runs out), one
    whose last word is older than its window (unavailable).
    """
    kitchen = await device_factory("kitchen", PLUG)
    await kitchen.set_state("relay", "ON")
    await kitchen.set_state("power", 42.5)
    garage = await device_factory("garage", PLUG, heartbeat_interval=60)
    await garage.set_state("relay", "OFF")
    shed = await device_factory("shed", PLUG, heartbeat_interval=1)
    await shed.set_state("power", 3)
    client = await nats.connect(nats_server.url)
    js = client.jetstream()
    try:
        await kitchen.stop()  # a clean stop says online: false
        await garage.stop(clean=False)
        await shed.stop(clean=False)
        await _until_stored(js, STATES, "home.devices.kitchen.status", b'"online":false')
        await _until_stored(js, STATES, "home.devices.garage.switch.relay.state", b"OFF")
        await _until_stored(js, STATES, "home.devices.shed.sensor.power.state", b"3")
        await _stop_home_assistant(hass, setup_entry)
        await asyncio.sleep(2.6)  # the shed's window (1 s heartbeats x 2.5) runs out meanwhile

        assert await hass.config_entries.async_setup(setup_entry.entry_id)

        # At once, with no device running: every entity, its last state, availability by timestamps.
        assert _value(hass, "switch.kitchen_relay") == STATE_UNAVAILABLE
        assert _value(hass, "switch.garage_relay") == "off"
        assert _value(hass, "sensor.garage_power") == "unknown"
        assert _value(hass, "sensor.shed_power") == STATE_UNAVAILABLE
        hub = setup_entry.runtime_data.hub
        assert hub.devices["kitchen"].states[("switch", "relay")] == "ON"  # kept for diagnostics
        assert hub.devices["kitchen"].states[("sensor", "power")] == 42.5
        assert hub.devices["shed"].states[("sensor", "power")] == 3
        assert (hub.restored.devices, hub.restored.available) == (3, 1)
        device = dr.async_get(hass).async_get_device_by_identifier(
            device_identifier(setup_entry.entry_id, "kitchen"), setup_entry.entry_id
        )
        assert device is not None
        assert device.name == "Kitchen"
    finally:
        await client.close()


async def test_a_restored_device_turns_unavailable_when_its_window_runs_out(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """A device restored as available is timed from its last stored message, not from the restart."""
    porch = await device_factory("porch", PLUG, heartbeat_interval=1)
    await porch.set_state("relay", "ON")
    client = await nats.connect(nats_server.url)
    try:
        await _until_stored(client.jetstream(), STATES, "home.devices.porch.switch.relay.state", b"ON")
        await porch.stop(clean=False)
        await _stop_home_assistant(hass, setup_entry)
        assert await hass.config_entries.async_setup(setup_entry.entry_id)
        liveness = setup_entry.runtime_data.hub.devices["porch"].liveness
        if liveness.available:  # a slow machine may already be past the 2.5 s window
            assert _value(hass, "switch.porch_relay") == "on"
        await wait_for(hass, lambda: _value(hass, "switch.porch_relay") == STATE_UNAVAILABLE, timeout=4)
    finally:
        await client.close()


async def test_restart_with_devices_running_never_shows_an_entity_unavailable(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """From the moment set-up returns, every entity is available with its state, and stays so."""
    for name in ("hall", "stairs", "loft"):
        device = await device_factory(name, PLUG)
        await device.set_state("relay", "ON")
        await device.set_state("power", 7)
    await wait_for(hass, lambda: _value(hass, "sensor.loft_power") == "7")
    await _stop_home_assistant(hass, setup_entry)
    unavailable: list[str] = []

    @callback
    def _record(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None and new.state == STATE_UNAVAILABLE:
            unavailable.append(new.entity_id)

    stop_recording: Callable[[], None] = hass.bus.async_listen(EVENT_STATE_CHANGED, _record)
    try:
        assert await hass.config_entries.async_setup(setup_entry.entry_id)
        for name in ("hall", "stairs", "loft"):
            assert _value(hass, f"switch.{name}_relay") == "on"
            assert _value(hass, f"sensor.{name}_power") == "7"
        # The barrier: every device answered the discovery request sent at set-up.
        presence = setup_entry.runtime_data.hub.presence
        await wait_for(hass, lambda: presence.last_gather is not None, timeout=6)
        assert presence.last_gather is not None
        assert presence.last_gather.answered == {"hall", "stairs", "loft"}
        assert unavailable == []
    finally:
        stop_recording()


async def test_retained_data_survives_a_server_restart(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """nats-server restarted with its store: Home Assistant restarted then knows every device."""
    cellar = await device_factory("cellar", PLUG)
    await cellar.set_state("relay", "ON")
    client = await nats.connect(nats_server.url)
    try:
        await _until_stored(client.jetstream(), STATES, "home.devices.cellar.switch.relay.state", b"ON")
    finally:
        await client.close()
    await cellar.stop(clean=False)
    await _stop_home_assistant(hass, setup_entry)
    nats_server.stop()
    nats_server.start()
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    assert _value(hass, "switch.cellar_relay") == "on"


async def test_entities_recover_after_a_server_restart(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """Home Assistant keeps running while nats-server restarts: its entities recover with the devices."""
    attic = await device_factory("attic", PLUG)
    await attic.set_state("relay", "ON")
    await wait_for(hass, lambda: _value(hass, "switch.attic_relay") == "on")
    nats_server.stop()
    await wait_for(hass, lambda: _value(hass, "switch.attic_relay") == STATE_UNAVAILABLE)
    nats_server.start()
    await wait_for(hass, lambda: _value(hass, "switch.attic_relay") == "on", timeout=10)


async def test_a_removed_device_is_not_restored(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Removing a device in the UI is final: the next start restores the others, not it."""
    assert await async_setup_component(hass, "config", {})
    for name in ("attic", "cellar"):
        device = await device_factory(name, PLUG)
        await device.set_state("relay", "ON")
        await device.stop(clean=False)
    client = await nats.connect(nats_server.url)
    try:
        for name in ("attic", "cellar"):
            await _until_stored(client.jetstream(), STATES, f"home.devices.{name}.switch.relay.state", b"ON")
    finally:
        await client.close()
    await wait_for(hass, lambda: _value(hass, "switch.attic_relay") == "on")
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(setup_entry.entry_id, "attic"), setup_entry.entry_id
    )
    assert device is not None
    assert await remove_device_in_ui(hass, hass_ws_client, setup_entry.entry_id, device.id)
    await _stop_home_assistant(hass, setup_entry)
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    assert set(setup_entry.runtime_data.hub.devices) == {"cellar"}
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            device_identifier(setup_entry.entry_id, "attic"), setup_entry.entry_id
        )
        is None
    )
    assert _value(hass, "switch.cellar_relay") == "on"


async def test_an_offline_devices_settings_are_restored_too(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
) -> None:
    """A device still offline after the restart keeps its configuration entities, with the stored value."""
    led = {"id": "led", "name": "Status LED", "type": "switch", "default": True}
    lamp = await device_factory("lamp", PLUG, config=[led])
    await wait_for(hass, lambda: _value(hass, "switch.lamp_status_led") == "on")
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.lamp_status_led"}, blocking=True
    )
    await lamp.stop()
    await _stop_home_assistant(hass, setup_entry)
    assert await hass.config_entries.async_setup(setup_entry.entry_id)
    assert _value(hass, "switch.lamp_relay") == STATE_UNAVAILABLE  # it said goodbye
    # Settings wait in the bucket for the device: their entity is there, with the stored value.
    await wait_for(hass, lambda: _value(hass, "switch.lamp_status_led") == "off")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, setup_entry)
    assert diagnostics["devices"]["lamp"]["settings"] == {"led": False}
    assert diagnostics["retention"]["restored_at_start"]["devices"] == 1
    assert diagnostics["devices"]["lamp"]["available"] is False


def test_when_a_message_was_stored_is_read_from_both_reply_formats() -> None:
    """The consumer's reply subject dates each message, with or without a JetStream domain."""
    plain = "$JS.ACK.NATS_HOME_HOME_STATES.reader.1.42.7.1764480000500000000.3"
    domain = "$JS.ACK.home-leaf.ACCHASH.NATS_HOME_HOME_STATES.reader.1.42.7.1764480000500000000.3.tok"
    assert _stamp(plain) == _stamp(domain) == (1764480000.5, 3)
