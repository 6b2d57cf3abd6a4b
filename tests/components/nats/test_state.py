"""State: what devices publish reaches Home Assistant, malformed states do not."""

from __future__ import annotations

import json

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from custom_components.nats.diagnostics import messages_for_diagnostics

from ...conftest import DeviceFactory
from ...nats_server import NatsServer
from .conftest import state_of, wait_for

ENTITIES = [
    {"platform": "sensor", "id": "temperature", "name": "Temperature", "unit": "°C"},
    {"platform": "sensor", "id": "status", "name": "Status"},
    {"platform": "binary_sensor", "id": "motion", "name": "Motion"},
    {"platform": "light", "id": "strip", "name": "Strip", "color_modes": ["color_temp", "rgb"]},
    {"platform": "number", "id": "target", "name": "Target", "min": 5, "max": 30},
    {"platform": "select", "id": "mode", "name": "Mode", "options": ["eco", "comfort"]},
    {"platform": "sensor", "id": "boot", "name": "Boot", "device_class": "timestamp"},
]


async def test_states_reach_home_assistant(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """Each platform's state is shown as published."""
    device = await device_factory("den", ENTITIES)
    await wait_for(hass, lambda: hass.states.get("sensor.den_temperature") is not None)
    assert hass.states.get("sensor.den_temperature").state == STATE_UNKNOWN

    await device.set_state("temperature", 19.25)
    await device.set_state("status", "heating")
    await device.set_state("motion", "ON")
    await device.set_state("strip", "ON", brightness=100, color_mode="rgb", rgb=[10, 20, 30])
    await device.set_state("target", 21)
    await device.set_state("mode", "comfort")
    await device.set_state("boot", "2026-11-25T08:00:00+00:00")
    await wait_for(hass, lambda: state_of(hass, "sensor.den_boot")() != STATE_UNKNOWN)

    assert hass.states.get("sensor.den_temperature").state == "19.25"
    assert hass.states.get("sensor.den_status").state == "heating"
    assert hass.states.get("binary_sensor.den_motion").state == STATE_ON
    strip = hass.states.get("light.den_strip")
    assert strip.state == STATE_ON
    assert strip.attributes["brightness"] == 100
    assert strip.attributes["color_mode"] == "rgb"
    assert strip.attributes["rgb_color"] == (10, 20, 30)
    assert hass.states.get("number.den_target").state == "21"
    assert hass.states.get("select.den_mode").state == "comfort"
    assert hass.states.get("sensor.den_boot").state == "2026-11-25T08:00:00+00:00"

    await device.set_state("motion", "OFF")
    await device.set_state("temperature", None)
    await wait_for(hass, lambda: state_of(hass, "binary_sensor.den_motion")() == STATE_OFF)
    await wait_for(hass, lambda: state_of(hass, "sensor.den_temperature")() == STATE_UNKNOWN)


@pytest.mark.parametrize(
    ("entity", "payload"),
    [
        ("sensor.temperature", b"not json"),
        ("sensor.temperature", b'{"state": "warm"}'),
        ("sensor.temperature", b'{"value": 3}'),
        ("sensor.temperature", b'{"v": 2, "state": 3}'),
        ("binary_sensor.motion", b'{"state": "maybe"}'),
        ("light.strip", b'{"state": "ON", "brightness": 999}'),
        ("light.strip", b'{"state": "ON", "color_mode": "brightness"}'),
        ("select.mode", b'{"state": "turbo"}'),
        ("number.target", b"[]"),
    ],
)
async def test_malformed_states_ignored(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    device_factory: DeviceFactory,
    nats_server: NatsServer,
    caplog: pytest.LogCaptureFixture,
    entity: str,
    payload: bytes,
) -> None:
    """A malformed state leaves the last good state and logs the subject."""
    device = await device_factory("den", ENTITIES)
    await device.set_state("temperature", 20)
    await device.set_state("motion", "ON")
    await device.set_state("strip", "ON", color_mode="rgb", rgb=[1, 2, 3], brightness=10)
    await device.set_state("mode", "eco")
    await device.set_state("target", 7)
    await wait_for(hass, lambda: state_of(hass, "number.den_target")() == "7")
    before = {s.entity_id: s.state for s in hass.states.async_all()}

    subject = f"home.devices.den.{entity}.state"
    client = await nats.connect(nats_server.url)
    await client.publish(subject, payload)
    # Barrier: same publisher, same hub subscription, so handled after the bad one.
    # (A flush does not prove the server has a publish: nats-py's PING can overtake it.)
    await client.publish("home.devices.den.sensor.status.state", b'{"state": "after"}')
    await client.flush()
    await client.close()
    await wait_for(hass, lambda: state_of(hass, "sensor.den_status")() == "after")

    after = {s.entity_id: s.state for s in hass.states.async_all()}
    after.pop("sensor.den_status")
    before.pop("sensor.den_status")
    assert after == before
    assert f"Ignoring state on {subject}" in caplog.text


async def test_state_of_unknown_entity_creates_nothing(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """States for entities nobody announced create nothing; they wait for an announcement."""
    await device_factory("den", [{"platform": "sensor", "id": "level", "unit": "%"}])
    await wait_for(hass, lambda: hass.states.get("sensor.den_level") is not None)
    client = await nats.connect(nats_server.url)
    await client.publish("home.devices.ghost.switch.relay.state", json.dumps({"state": "ON"}).encode())
    # Barrier: same publisher, same hub subscription, so handled after the ghost's state.
    await client.publish("home.devices.den.sensor.level.state", json.dumps({"state": 7}).encode())
    await client.flush()
    await client.close()
    await wait_for(hass, lambda: state_of(hass, "sensor.den_level")() == "7")

    assert hass.states.async_entity_ids() == ["sensor.den_level"]
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), setup_entry.entry_id)
    assert [device.name for device in devices] == ["Den"]
    hub = setup_entry.runtime_data.hub
    assert messages_for_diagnostics(hub)["states_waiting_for_announcement"] == 1


async def test_last_state_survives_entity_recreation(
    hass: HomeAssistant, setup_entry: MockConfigEntry, device_factory: DeviceFactory
) -> None:
    """An entity re-created by a changed announcement starts with the last known state."""
    device = await device_factory("den", [{"platform": "sensor", "id": "power", "unit": "W"}])
    await device.set_state("power", 42)
    await wait_for(hass, lambda: state_of(hass, "sensor.den_power")() == "42")
    device.states.clear()  # the re-announcement alone carries no state
    await device.set_entities([{"platform": "sensor", "id": "power", "unit": "kW"}])
    await wait_for(
        hass, lambda: hass.states.get("sensor.den_power").attributes.get("unit_of_measurement") == "kW"
    )
    assert hass.states.get("sensor.den_power").state == "42"
