"""End to end: the compiled host firmware, a real nats-server and the integration in Home Assistant."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
import signal
from typing import Any

import nats
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.climate import ClimateEntityFeature
from homeassistant.components.cover import CoverEntityFeature
from homeassistant.components.fan import FanEntityFeature
from homeassistant.components.lock import LockEntityFeature
from homeassistant.components.valve import ValveEntityFeature
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.nats.identity import device_identifier

from ..components.nats.conftest import (  # noqa: F401 (fixtures)
    auto_enable_custom_integrations,
    config_entry,
    setup_entry,
    wait_for,
)
from ..nats_server import NatsServer
from .conftest import HOST_DEVICE_ID, HOST_ENTITIES, HOST_SETTINGS, HostFirmware, HostFirmwareFactory
from .many_entities import DEVICE_ID as MANY_DEVICE_ID, expected_entities

pytestmark = pytest.mark.timeout(600)


def _by_unique_id_end(hass: HomeAssistant, end: str) -> str | None:
    """The entity whose unique id ends `<device>:<kind>:<id>` (unique ids start with the entry's id)."""
    found = [e.entity_id for e in er.async_get(hass).entities.values() if e.unique_id.endswith(f":{end}")]
    return found[0] if len(found) == 1 else None


def _entity_id(hass: HomeAssistant, platform: str, object_id: str, device_id: str = HOST_DEVICE_ID) -> str:
    entity_id = _by_unique_id_end(hass, f"{device_id}:{platform}:{object_id}")
    assert entity_id is not None, (device_id, platform, object_id)
    return entity_id


def _state(hass: HomeAssistant, platform: str, object_id: str) -> Any:
    return hass.states.get(_entity_id(hass, platform, object_id))


def _registered(hass: HomeAssistant, entry: MockConfigEntry) -> set[tuple[str, str]]:
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {tuple(e.unique_id.split(":")[2:]) for e in entries}  # type: ignore[misc]  # entry:device:kind:id


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any) -> None:
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


async def _started(
    hass: HomeAssistant, entry: MockConfigEntry, host_firmware: HostFirmwareFactory, server: NatsServer
) -> Any:
    firmware = host_firmware(server.url)
    await wait_for(hass, lambda: _registered(hass, entry) == HOST_ENTITIES | HOST_SETTINGS, timeout=30)
    await wait_for(hass, lambda: _state(hass, "select", "mode").state == "comfort", timeout=10)
    return firmware


async def test_firmware_appears_and_obeys(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Every firmware entity appears with its type; commands change the firmware and come back."""
    await _started(hass, setup_entry, host_firmware, nats_server)
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(setup_entry.entry_id, HOST_DEVICE_ID), setup_entry.entry_id
    )
    assert device is not None
    assert device.name == "NATS host demo"

    temperature = _state(hass, "sensor", "temperature")
    assert temperature.attributes["device_class"] == "temperature"
    assert temperature.attributes["unit_of_measurement"] == "°C"
    assert set(_state(hass, "light", "lamp").attributes["supported_color_modes"]) == {"color_temp", "rgb"}
    assert _state(hass, "light", "desk").attributes["supported_color_modes"] == ["brightness"]
    assert _state(hass, "light", "porch").attributes["supported_color_modes"] == ["onoff"]
    setpoint = _state(hass, "number", "setpoint")
    assert (setpoint.attributes["min"], setpoint.attributes["max"], setpoint.attributes["step"]) == (
        10,
        30,
        0.5,
    )
    assert _state(hass, "select", "mode").attributes["options"] == ["eco", "comfort", "away"]

    # switch: the firmware's own feedback sensor follows it
    await _call(hass, "switch", "turn_on", _entity_id(hass, "switch", "relay"))
    assert _state(hass, "switch", "relay").state == "on"
    await wait_for(hass, lambda: _state(hass, "binary_sensor", "relay_feedback").state == "on")

    # lights: brightness, colour and colour temperature
    await _call(hass, "light", "turn_on", _entity_id(hass, "light", "desk"), brightness=128)
    desk = _state(hass, "light", "desk")
    assert (desk.state, desk.attributes["brightness"]) == ("on", 128)
    await _call(hass, "light", "turn_on", _entity_id(hass, "light", "lamp"), rgb_color=(255, 0, 0))
    lamp = _state(hass, "light", "lamp")
    assert (lamp.attributes["color_mode"], lamp.attributes["rgb_color"]) == ("rgb", (255, 0, 0))
    await _call(hass, "light", "turn_on", _entity_id(hass, "light", "lamp"), color_temp_kelvin=3000)
    lamp = _state(hass, "light", "lamp")
    assert lamp.attributes["color_mode"] == "color_temp"
    assert abs(lamp.attributes["color_temp_kelvin"] - 3000) < 50
    await _call(hass, "light", "turn_on", _entity_id(hass, "light", "porch"))
    assert _state(hass, "light", "porch").state == "on"

    # number and select; the firmware's template sensors follow them (state changes it makes itself)
    await _call(hass, "number", "set_value", _entity_id(hass, "number", "setpoint"), value=25.5)
    assert float(_state(hass, "number", "setpoint").state) == 25.5
    await _call(hass, "select", "select_option", _entity_id(hass, "select", "mode"), option="away")
    assert _state(hass, "select", "mode").state == "away"
    await wait_for(hass, lambda: _state(hass, "sensor", "temperature").state == "25.5", timeout=10)
    await wait_for(hass, lambda: _state(hass, "sensor", "operating_mode").state == "mode away", timeout=10)

    # button: the firmware counts presses in a sensor
    await _call(hass, "button", "press", _entity_id(hass, "button", "ring"))
    await wait_for(hass, lambda: _state(hass, "sensor", "button_presses").state == "1")


async def test_firmware_climate_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """The features follow ClimateTraits; each service call reaches the firmware and its state comes back."""
    await _started(hass, setup_entry, host_firmware, nats_server)
    heat_pump = _entity_id(hass, "climate", "heat_pump")
    attributes = hass.states.get(heat_pump).attributes
    features = ClimateEntityFeature(attributes["supported_features"])
    wanted = (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.TARGET_HUMIDITY
        | ClimateEntityFeature.FAN_MODE
        | ClimateEntityFeature.SWING_MODE
        | ClimateEntityFeature.PRESET_MODE
        | ClimateEntityFeature.TURN_ON
        | ClimateEntityFeature.TURN_OFF
    )
    assert features == wanted
    assert attributes["fan_modes"] == ["auto", "low", "high", "Turbo"]
    assert attributes["preset_modes"] == ["comfort", "eco", "Night"]
    assert (attributes["min_temp"], attributes["max_temp"], attributes["target_temp_step"]) == (16, 30, 0.5)
    await wait_for(hass, lambda: hass.states.get(heat_pump).attributes.get("current_temperature") == 19.5)

    await _call(hass, "climate", "set_temperature", heat_pump, temperature=23.5, hvac_mode="cool")
    state = hass.states.get(heat_pump)
    assert (state.state, state.attributes["temperature"]) == ("cool", 23.5)
    await _call(hass, "climate", "set_humidity", heat_pump, humidity=55)
    await _call(hass, "climate", "set_fan_mode", heat_pump, fan_mode="Turbo")
    await _call(hass, "climate", "set_swing_mode", heat_pump, swing_mode="vertical")
    await _call(hass, "climate", "set_preset_mode", heat_pump, preset_mode="Night")
    attributes = hass.states.get(heat_pump).attributes
    assert (attributes["humidity"], attributes["fan_mode"]) == (55, "Turbo")
    assert (attributes["swing_mode"], attributes["preset_mode"]) == ("vertical", "Night")
    await _call(hass, "climate", "turn_off", heat_pump)
    assert hass.states.get(heat_pump).state == "off"

    thermostat = _entity_id(hass, "climate", "thermostat")
    features = ClimateEntityFeature(hass.states.get(thermostat).attributes["supported_features"])
    assert ClimateEntityFeature.TARGET_TEMPERATURE_RANGE in features
    assert ClimateEntityFeature.TARGET_TEMPERATURE not in features
    # Until its sensor has read, the thermostat's action is off.
    await wait_for(hass, lambda: hass.states.get(thermostat).attributes.get("current_temperature") == 19.5)
    await _call(
        hass,
        "climate",
        "set_temperature",
        thermostat,
        target_temp_low=18.5,
        target_temp_high=25,
        hvac_mode="heat_cool",
    )
    state = hass.states.get(thermostat)
    assert state.state == "heat_cool"
    assert (state.attributes["target_temp_low"], state.attributes["target_temp_high"]) == (18.5, 25)
    # The thermostat's action follows on its own timer: reported when it changes.
    await wait_for(hass, lambda: hass.states.get(thermostat).attributes["hvac_action"] == "idle")
    # The firmware's preset moves its targets; Home Assistant shows what it reports.
    await _call(hass, "climate", "set_preset_mode", thermostat, preset_mode="Vacation")
    state = hass.states.get(thermostat)
    assert (state.attributes["target_temp_low"], state.attributes["target_temp_high"]) == (12, 28)


async def test_firmware_fan_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Three speeds, a direction and a preset: the service calls come back as the firmware reports them."""
    await _started(hass, setup_entry, host_firmware, nats_server)
    fan = _entity_id(hass, "fan", "ceiling_fan")
    attributes = hass.states.get(fan).attributes
    assert FanEntityFeature(attributes["supported_features"]) == (
        FanEntityFeature.SET_SPEED
        | FanEntityFeature.DIRECTION
        | FanEntityFeature.PRESET_MODE
        | FanEntityFeature.TURN_ON
        | FanEntityFeature.TURN_OFF
    )
    assert attributes["preset_modes"] == ["breeze"]
    assert attributes["percentage_step"] == pytest.approx(100 / 3)

    await _call(hass, "fan", "set_percentage", fan, percentage=50)
    state = hass.states.get(fan)
    assert (state.state, state.attributes["percentage"]) == ("on", 66)
    await _call(hass, "fan", "set_direction", fan, direction="reverse")
    await _call(hass, "fan", "set_preset_mode", fan, preset_mode="breeze")
    state = hass.states.get(fan)
    assert (state.attributes["direction"], state.attributes["preset_mode"]) == ("reverse", "breeze")
    # Off, the firmware keeps reporting its speed (the spec allows it).
    await _call(hass, "fan", "turn_off", fan)
    state = hass.states.get(fan)
    assert (state.state, state.attributes["percentage"]) == ("off", 66)


async def test_firmware_events_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """An ESPHome event fired on the device fires the Home Assistant event entity, once per event."""
    await _started(hass, setup_entry, host_firmware, nats_server)
    doorbell = _entity_id(hass, "event", "doorbell")
    remote = _entity_id(hass, "event", "remote")
    state = hass.states.get(doorbell)
    assert state.state == STATE_UNKNOWN
    assert (state.attributes["device_class"], state.attributes["event_types"]) == ("doorbell", ["ring"])
    assert hass.states.get(remote).attributes["event_types"] == ["single", "double", "long"]

    fired: list[tuple[str, str]] = []
    stamps: dict[str, str] = {}

    def record(event: Any) -> None:
        new = event.data["new_state"]
        if (
            new is not None
            and new.entity_id in (doorbell, remote)
            and new.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
            # An event entity's state is the time of its last event: a slow
            # firmware going unavailable and back rewrites the same time,
            # which is no new event.
            and stamps.get(new.entity_id) != new.state
        ):
            stamps[new.entity_id] = new.state
            fired.append((new.entity_id, new.attributes["event_type"]))

    hass.bus.async_listen("state_changed", record)
    await _call(hass, "button", "press", _entity_id(hass, "button", "ring"))
    await wait_for(hass, lambda: fired == [(doorbell, "ring")])

    client = await nats.connect(nats_server.url)
    try:
        for event_type in ("double", "long"):
            await client.publish("demo.remote", event_type.encode())
        await client.flush()
    finally:
        await client.close()
    # The host firmware (built at -O0) on a loaded 2-core machine may take a few seconds.
    # Each event once. Their order is not asserted: on a loaded machine Home
    # Assistant was seen to show "long" before "double" (not understood yet;
    # see the closing note of issue 15).
    expected = sorted([(doorbell, "ring"), (remote, "double"), (remote, "long")])
    try:
        await wait_for(hass, lambda: sorted(fired) == expected, timeout=15, what="the remote's two events")
    except TimeoutError as err:
        raise AssertionError(f"{err}; fired: {fired}") from None  # as it was when the wait ended


async def test_firmware_recovers_and_dies(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Server restart: the firmware re-announces, HA recovers; killed: unavailable after the window."""
    firmware = await _started(hass, setup_entry, host_firmware, nats_server)
    relay = _entity_id(hass, "switch", "relay")

    nats_server.stop()
    await wait_for(hass, lambda: hass.states.get(relay).state == STATE_UNAVAILABLE)
    nats_server.start()
    await wait_for(hass, lambda: hass.states.get(relay).state not in (STATE_UNAVAILABLE, None), timeout=20)
    await _call(hass, "switch", "turn_on", relay)
    assert hass.states.get(relay).state == "on"

    firmware.kill()
    # heartbeat interval 5 s: unavailable after 2.5 intervals, not before 2
    await wait_for(hass, lambda: hass.states.get(relay).state == "on")
    loop_time = hass.loop.time()
    await wait_for(hass, lambda: hass.states.get(relay).state == STATE_UNAVAILABLE, timeout=20)
    assert hass.loop.time() - loop_time >= 5


async def test_command_to_a_frozen_firmware_is_not_carried_out_later(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """The user is told the command timed out; the firmware, thawed, refuses it (command expiry)."""
    firmware = await _started(hass, setup_entry, host_firmware, nats_server)
    relay = _entity_id(hass, "switch", "relay")
    # A command that succeeds: the firmware learns Home Assistant's clock.
    await _call(hass, "switch", "turn_off", relay)
    assert hass.states.get(relay).state == "off"
    await wait_for(hass, lambda: _state(hass, "binary_sensor", "relay_feedback").state == "off")

    firmware.process.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(HomeAssistantError) as err:
            await _call(hass, "switch", "turn_on", relay)
        assert err.value.translation_key == "command_timeout"
        assert err.value.translation_placeholders["device"] == "NATS host demo"
        # The ttl (1.5 s) has passed during the 2 s timeout; a margin on top.
        await asyncio.sleep(1)
    finally:
        firmware.process.send_signal(signal.SIGCONT)

    # Barrier: a later command works, and the template sensor that follows it
    # publishes only after the firmware has handled the frozen command (and
    # published the relay's state, had it changed) on the same connection.
    await _call(hass, "number", "set_value", _entity_id(hass, "number", "setpoint"), value=25.5)
    await wait_for(hass, lambda: _state(hass, "sensor", "temperature").state == "25.5", timeout=10)
    assert hass.states.get(relay).state == "off"
    assert _state(hass, "binary_sensor", "relay_feedback").state == "off"
    assert "Refusing an expired command on home.devices.nats-host-demo.switch.relay.command" in firmware.log()


async def test_firmware_with_150_entities_and_a_1k_send_buffer(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    many_firmware_binary: Path,
    start_firmware: Callable[..., HostFirmware],
) -> None:
    """Its streamed announcement gives Home Assistant every entity, and they obey."""
    start_firmware(many_firmware_binary, nats_server.url, device_id=MANY_DEVICE_ID)
    await wait_for(hass, lambda: _registered(hass, setup_entry) == expected_entities(), timeout=60)

    relay = _entity_id(hass, "switch", "greenhouse_irrigation_valve_relay_in_row_050", MANY_DEVICE_ID)
    await wait_for(hass, lambda: hass.states.get(relay).state == "off", timeout=10)
    await _call(hass, "switch", "turn_on", relay)
    assert hass.states.get(relay).state == "on"
    setpoint = _entity_id(hass, "number", "greenhouse_heating_setpoint_in_zone_015", MANY_DEVICE_ID)
    await _call(hass, "number", "set_value", setpoint, value=22.5)
    assert float(hass.states.get(setpoint).state) == 22.5
    fan = _entity_id(hass, "select", "greenhouse_ventilation_fan_mode_in_bay_010", MANY_DEVICE_ID)
    await _call(hass, "select", "select_option", fan, option="high")
    assert hass.states.get(fan).state == "high"
    window = _entity_id(hass, "binary_sensor", "greenhouse_window_contact_on_pane_001", MANY_DEVICE_ID)
    await wait_for(hass, lambda: hass.states.get(window).state == "on", timeout=10)


async def test_firmware_cover_valve_and_lock_in_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Features from ESPHome's traits; each service call reaches the firmware and its state comes back."""
    await _started(hass, setup_entry, host_firmware, nats_server)
    blind = _entity_id(hass, "cover", "blind")
    state = hass.states.get(blind)
    # Position and tilt, no stop (the template cover has no stop_action).
    assert CoverEntityFeature(state.attributes["supported_features"]) == (
        CoverEntityFeature.OPEN
        | CoverEntityFeature.CLOSE
        | CoverEntityFeature.SET_POSITION
        | CoverEntityFeature.OPEN_TILT
        | CoverEntityFeature.CLOSE_TILT
        | CoverEntityFeature.SET_TILT_POSITION
    )
    assert (state.state, state.attributes["device_class"]) == ("open", "blind")
    assert (state.attributes["current_position"], state.attributes["current_tilt_position"]) == (100, 100)
    await _call(hass, "cover", "set_cover_position", blind, position=30)
    await _call(hass, "cover", "close_cover_tilt", blind)
    state = hass.states.get(blind)
    assert (state.state, state.attributes["current_position"], state.attributes["current_tilt_position"]) == (
        "open",
        30,
        0,
    )
    await _call(hass, "cover", "close_cover", blind)
    state = hass.states.get(blind)
    assert (state.state, state.attributes["current_position"]) == ("closed", 0)

    valve = _entity_id(hass, "valve", "garden_valve")
    state = hass.states.get(valve)
    assert ValveEntityFeature(state.attributes["supported_features"]) == (
        ValveEntityFeature.OPEN | ValveEntityFeature.CLOSE | ValveEntityFeature.SET_POSITION
    )
    assert (state.state, state.attributes["device_class"], state.attributes["current_position"]) == (
        "open",
        "water",
        100,
    )
    await _call(hass, "valve", "set_valve_position", valve, position=25)
    state = hass.states.get(valve)
    assert (state.state, state.attributes["current_position"]) == ("open", 25)
    # Home Assistant closes a valve with a position by setting it to 0.
    await _call(hass, "valve", "close_valve", valve)
    state = hass.states.get(valve)
    assert (state.state, state.attributes["current_position"]) == ("closed", 0)

    front_door = _entity_id(hass, "lock", "front_door")
    state = hass.states.get(front_door)
    assert LockEntityFeature(state.attributes["supported_features"]) == LockEntityFeature.OPEN
    assert (state.state, state.attributes["code_format"]) == (STATE_UNKNOWN, "^.{1,64}$")
    await _call(hass, "lock", "lock", front_door, code="1234")
    assert hass.states.get(front_door).state == "locked"
    await _call(hass, "lock", "unlock", front_door, code="1234")
    assert hass.states.get(front_door).state == "unlocked"
    await _call(hass, "lock", "open", front_door, code="1234")
    assert hass.states.get(front_door).state == "open"


async def test_protocol_1_4_commands_to_a_frozen_firmware_time_out(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Cover, valve, lock, climate and fan: each service call tells the user it timed out; none is carried out later.

    The calls run together: one after the other they would take 5 x 2 s, and a
    firmware frozen that long may miss its heartbeat window (5 s interval,
    unavailable after 2.5), after which Home Assistant skips the unavailable
    entities without an error.
    """
    firmware = await _started(hass, setup_entry, host_firmware, nats_server)
    blind = _entity_id(hass, "cover", "blind")
    valve = _entity_id(hass, "valve", "garden_valve")
    front_door = _entity_id(hass, "lock", "front_door")
    heat_pump = _entity_id(hass, "climate", "heat_pump")
    fan = _entity_id(hass, "fan", "ceiling_fan")
    # A command that succeeds: the firmware learns Home Assistant's clock.
    await _call(hass, "switch", "turn_off", _entity_id(hass, "switch", "relay"))
    await wait_for(hass, lambda: hass.states.get(heat_pump).state == "heat")
    await wait_for(hass, lambda: hass.states.get(fan).state == "off")
    before = {
        entity_id: hass.states.get(entity_id) for entity_id in (blind, valve, front_door, heat_pump, fan)
    }
    assert (before[blind].state, before[valve].state, before[front_door].state) == (
        "open",
        "open",
        STATE_UNKNOWN,
    )

    calls = {
        "cover": _call(hass, "cover", "close_cover", blind),
        "valve": _call(hass, "valve", "close_valve", valve),
        "lock": _call(hass, "lock", "lock", front_door, code="1234"),
        "climate": _call(hass, "climate", "set_hvac_mode", heat_pump, hvac_mode="cool"),
        "fan": _call(hass, "fan", "turn_on", fan),
    }
    firmware.process.send_signal(signal.SIGSTOP)
    try:
        results = await asyncio.gather(*calls.values(), return_exceptions=True)
        for platform, result in zip(calls, results, strict=True):
            assert isinstance(result, HomeAssistantError), (platform, result)
            assert result.translation_key == "command_timeout", (platform, result)
            assert result.translation_placeholders["device"] == "NATS host demo"
        # The ttl (1.5 s) has passed during the 2 s timeout; a margin on top.
        await asyncio.sleep(1)
    finally:
        firmware.process.send_signal(signal.SIGCONT)

    # Barrier: the template sensor follows a later command only after the
    # firmware has handled the frozen ones on the same connection.
    await _call(hass, "number", "set_value", _entity_id(hass, "number", "setpoint"), value=24)
    await wait_for(hass, lambda: _state(hass, "sensor", "temperature").state == "24.0", timeout=10)
    for entity_id, old in before.items():
        assert hass.states.get(entity_id).state == old.state, entity_id
    assert hass.states.get(blind).attributes["current_position"] == 100
    assert hass.states.get(valve).attributes["current_position"] == 100
    log = firmware.log()
    for platform, object_id in (
        ("cover", "blind"),
        ("valve", "garden_valve"),
        ("lock", "front_door"),
        ("climate", "heat_pump"),
        ("fan", "ceiling_fan"),
    ):
        subject = f"home.devices.nats-host-demo.{platform}.{object_id}.command"
        assert f"Refusing an expired command on {subject}" in log


def _assert_rejected(err: HomeAssistantError, error: str) -> None:
    assert err.translation_key == "command_rejected", err
    assert err.translation_placeholders == {"device": "NATS host demo", "error": error}


# What the firmware refuses (nats_platform_<name>.h, docs/protocol.md) against
# what Home Assistant checks before it calls the integration:
# - cover, valve: nothing reaches the firmware for it to refuse. It refuses
#   position, tilt or stop the entity lacks, and Home Assistant offers each
#   service only with its feature (the features follow the same traits);
#   positions are 0..100 in the services' schemas; the template cover and
#   valve carry out whatever arrives (optimistic).
# - lock: "open not supported" is behind LockEntityFeature.OPEN; "code
#   required" and a code over 64 characters behind Home Assistant's check
#   against the announced code_format "^.{1,64}$" (a missing code too).
# - climate: set_hvac_mode and the mode services check their lists, the
#   temperature and humidity services their features and ranges, but
#   set_temperature takes any HVAC mode along: the firmware refuses one it
#   did not announce.
# - fan: the percentage and the preset are checked, but set_direction takes
#   any string: the firmware refuses one that is not forward or reverse.
# - event: takes no commands; Home Assistant has no service to send one.
async def test_firmware_refusals_reach_home_assistant(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Each protocol 1.4 command Home Assistant lets through and the firmware refuses: translated, nothing changes."""
    await _started(hass, setup_entry, host_firmware, nats_server)

    front_door = _entity_id(hass, "lock", "front_door")
    # Without a code Home Assistant refuses the call itself.
    with pytest.raises(ServiceValidationError) as validation:
        await _call(hass, "lock", "lock", front_door)
    assert validation.value.translation_key == "add_default_code"
    # Nor does a code longer than the protocol's 64 characters reach the firmware.
    with pytest.raises(ServiceValidationError) as validation:
        await _call(hass, "lock", "lock", front_door, code="1" * 65)
    assert validation.value.translation_key == "add_default_code"
    assert hass.states.get(front_door).state == STATE_UNKNOWN

    heat_pump = _entity_id(hass, "climate", "heat_pump")
    await wait_for(hass, lambda: hass.states.get(heat_pump).state == "heat")
    # set_hvac_mode would be refused by Home Assistant (not_valid_hvac_mode).
    with pytest.raises(ServiceValidationError) as validation:
        await _call(hass, "climate", "set_hvac_mode", heat_pump, hvac_mode="heat_cool")
    assert validation.value.translation_key == "not_valid_hvac_mode"
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "climate", "set_temperature", heat_pump, temperature=23, hvac_mode="heat_cool")
    _assert_rejected(err.value, "hvac_mode 'heat_cool' not announced")
    state = hass.states.get(heat_pump)
    assert (state.state, state.attributes["temperature"]) == ("heat", 21)

    fan = _entity_id(hass, "fan", "ceiling_fan")
    await wait_for(hass, lambda: hass.states.get(fan).state == "off")
    direction = hass.states.get(fan).attributes["direction"]
    with pytest.raises(HomeAssistantError) as err:
        await _call(hass, "fan", "set_direction", fan, direction="sideways")
    _assert_rejected(err.value, 'direction must be "forward" or "reverse"')
    state = hass.states.get(fan)
    assert (state.state, state.attributes["direction"]) == ("off", direction)


async def test_firmware_settings_are_configuration_entities(
    hass: HomeAssistant,
    setup_entry: MockConfigEntry,
    nats_server: NatsServer,
    host_firmware: HostFirmwareFactory,
) -> None:
    """Heartbeat interval and name set in Home Assistant reach the firmware live and survive its restart."""
    firmware = await _started(hass, setup_entry, host_firmware, nats_server)
    interval = _by_unique_id_end(hass, f"{HOST_DEVICE_ID}:config:heartbeat_interval")
    name = _by_unique_id_end(hass, f"{HOST_DEVICE_ID}:config:name")
    assert interval is not None
    assert name is not None
    state = hass.states.get(interval)
    assert state is not None
    assert (
        float(state.state),
        state.attributes["min"],
        state.attributes["max"],
        state.attributes["step"],
    ) == (
        5,
        5,
        3600,
        1,
    )
    assert state.attributes["unit_of_measurement"] == "s"
    await wait_for(hass, lambda: hass.states.get(name).state == "NATS host demo")  # type: ignore[union-attr]

    def device_name() -> str | None:
        device = dr.async_get(hass).async_get_device_by_identifier(
            device_identifier(setup_entry.entry_id, HOST_DEVICE_ID), setup_entry.entry_id
        )
        return device.name if device is not None else None

    await _call(hass, "number", "set_value", interval, value=12)
    await wait_for(hass, lambda: "Heartbeat interval 12 s (stored)" in firmware.log(), timeout=10)
    await _call(hass, "text", "set_value", name, value="Garden shed")
    await wait_for(hass, lambda: "Name 'Garden shed' (stored)" in firmware.log(), timeout=10)
    await wait_for(hass, lambda: device_name() == "Garden shed", timeout=10)
    # A value the firmware cannot take is refused by Home Assistant before it is stored.
    with pytest.raises((HomeAssistantError, ServiceValidationError)):
        await _call(hass, "number", "set_value", interval, value=2)

    # Restarted, the firmware reads the stored values before it announces.
    firmware.kill()
    firmware = host_firmware(nats_server.url)
    await wait_for(hass, lambda: "Name 'Garden shed' (stored)" in firmware.log(), timeout=15)
    assert "Heartbeat interval 12 s (stored)" in firmware.log()
    assert device_name() == "Garden shed"
    assert float(hass.states.get(interval).state) == 12  # type: ignore[union-attr]
