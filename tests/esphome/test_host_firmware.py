"""End to end: the host firmware against a real nats-server.

The firmware is examples/esphome/host.yaml; it is checked from Python with
nats-py and the integration's own protocol validators.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
import json
import re
import signal
from typing import Any

import nats
from nats.aio.client import Client
import pytest

from custom_components.nats.protocol.expiry import ControllerClock
from custom_components.nats.protocol.models import DeviceAnnouncement
from custom_components.nats.protocol.payloads import (
    parse_announcement,
    parse_event,
    parse_heartbeat,
    parse_reply,
    parse_state,
    state_from_mapping,
)
from custom_components.nats.protocol.platforms.climate import ClimateState
from custom_components.nats.protocol.platforms.cover import CoverState
from custom_components.nats.protocol.platforms.event import Event
from custom_components.nats.protocol.platforms.fan import FanState
from custom_components.nats.protocol.platforms.light import LightState
from custom_components.nats.protocol.platforms.lock import LockState
from custom_components.nats.protocol.platforms.valve import ValveState

from ..nats_server import NatsServer, free_port
from .conftest import HOST_ENTITIES, HostFirmware, HostFirmwareFactory
from .fake_server import FakeServer, readline
from .recorder import Recorder

# The first test of a worker may install ESPHome and build: more than the
# default 120 s on a cold machine. Every wait inside a test has its own limit.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    nc = await nats.connect(nats_server.url, reconnect_time_wait=0.2, max_reconnect_attempts=-1)
    yield nc
    await nc.close()


@pytest.fixture
async def bus(client: Client) -> Recorder:
    recorder = Recorder()
    await client.subscribe("home.>", cb=recorder.handler)
    await client.subscribe("demo.>", cb=recorder.handler)
    await client.flush()
    return recorder


async def start(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder
) -> tuple[HostFirmware, DeviceAnnouncement]:
    firmware = host_firmware(nats_server.url)
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    return firmware, parse_announcement(msg.data, firmware.device_id)


def entity(announcement: DeviceAnnouncement, entity_id: str) -> Any:
    return next(e for e in announcement.entities if e.id == entity_id)


async def command(
    client: Client, firmware: HostFirmware, platform: str, entity_id: str, payload: dict[str, Any]
) -> Any:
    msg = await client.request(
        firmware.subject(platform, entity_id, "command"), json.dumps(payload).encode(), timeout=2
    )
    return parse_reply(msg.data)


async def test_announces_every_entity_then_states_and_heartbeat(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder
) -> None:
    firmware, announcement = await start(host_firmware, nats_server, bus)

    assert announcement.id == firmware.device_id
    assert announcement.name == "NATS host demo"
    assert announcement.heartbeat_interval == 5
    assert {(e.platform, e.id) for e in announcement.entities} == HOST_ENTITIES
    assert set(entity(announcement, "lamp").color_modes) == {"rgb", "color_temp"}
    assert entity(announcement, "lamp").min_kelvin == 2700
    assert entity(announcement, "lamp").max_kelvin == 6500
    assert entity(announcement, "desk").color_modes == ("brightness",)
    assert entity(announcement, "porch").color_modes == ("onoff",)
    assert entity(announcement, "mode").options == ("eco", "comfort", "away")
    setpoint = entity(announcement, "setpoint")
    assert (setpoint.min, setpoint.max, setpoint.step, setpoint.unit, setpoint.mode) == (
        10,
        30,
        0.5,
        "°C",
        "slider",
    )
    temperature = entity(announcement, "temperature")
    assert (temperature.device_class, temperature.state_class, temperature.unit) == (
        "temperature",
        "measurement",
        "°C",
    )
    # ESPHome sensors are numbers whatever their unit; a text sensor is text.
    assert all(
        e.numeric for e in announcement.entities if e.platform == "sensor" and e.id != "operating_mode"
    )
    assert entity(announcement, "operating_mode").unit is None
    assert entity(announcement, "operating_mode").numeric is None

    # Once after the announcement, every entity with a state publishes it.
    for e in announcement.entities:
        if e.platform in ("button", "event"):
            continue
        msg = await bus.wait_for(firmware.subject(e.platform, e.id, "state"))
        parse_state(e, msg.data)
    assert (
        parse_state(
            entity(announcement, "setpoint"),
            (await bus.wait_for(firmware.subject("number", "setpoint", "state"))).data,
        )
        == 21
    )
    assert (
        parse_state(
            entity(announcement, "mode"),
            (await bus.wait_for(firmware.subject("select", "mode", "state"))).data,
        )
        == "comfort"
    )

    heartbeat = parse_heartbeat((await bus.wait_for(firmware.status_subject)).data)
    assert heartbeat.online is True
    assert heartbeat.interval == 5
    assert heartbeat.uptime is not None
    assert heartbeat.uptime < 60


async def test_commands_change_the_firmware_and_come_back(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    firmware, announcement = await start(host_firmware, nats_server, bus)

    def state_of(entity_id: str, since: int, expect: Any, timeout: float = 5) -> Any:
        e = entity(announcement, entity_id)
        return bus.wait_for(
            firmware.subject(e.platform, e.id, "state"),
            lambda m: parse_state(e, m.data) == expect,
            timeout=timeout,
            since=since,
        )

    # switch: the reply carries the new state, the state subject too, and the
    # template binary sensor that follows the relay changes on its own.
    mark = bus.mark()
    reply = await command(client, firmware, "switch", "relay", {"state": "ON"})
    assert reply.ok
    assert reply.state == {"state": "ON"}
    await state_of("relay", mark, "ON")
    await state_of("relay_feedback", mark, "ON")

    # light: brightness and colour, then colour temperature.
    mark = bus.mark()
    reply = await command(
        client, firmware, "light", "lamp", {"state": "ON", "brightness": 128, "rgb": [0, 0, 255]}
    )
    assert reply.ok, reply.error
    assert reply.state["state"] == "ON"
    assert reply.state["brightness"] == 128
    assert reply.state["color_mode"] == "rgb"
    assert reply.state["rgb"] == [0, 0, 255]
    await state_of(
        "lamp", mark, LightState("ON", 128, "rgb", reply.state.get("color_temp_kelvin"), (0, 0, 255))
    )

    reply = await command(
        client, firmware, "light", "lamp", {"state": "ON", "color_temp_kelvin": 3000, "transition": 0}
    )
    assert reply.ok, reply.error
    assert reply.state["color_mode"] == "color_temp"
    assert abs(reply.state["color_temp_kelvin"] - 3000) <= 10

    reply = await command(client, firmware, "light", "desk", {"state": "ON", "brightness": 51})
    assert reply.ok
    assert reply.state["brightness"] == 51
    reply = await command(client, firmware, "light", "porch", {"state": "ON"})
    assert reply.ok
    assert reply.state["state"] == "ON"

    # number: applied, and the template sensor that reads it follows.
    mark = bus.mark()
    reply = await command(client, firmware, "number", "setpoint", {"value": 25.5})
    assert reply.ok
    assert reply.state == {"state": 25.5}
    await state_of("setpoint", mark, 25.5)
    await state_of("temperature", mark, 25.5)

    # select, and the text sensor that reads it.
    mark = bus.mark()
    reply = await command(client, firmware, "select", "mode", {"option": "eco"})
    assert reply.ok
    assert reply.state == {"state": "eco"}
    await state_of("operating_mode", mark, "mode eco")

    # button: no state of its own; its automation counts presses in a sensor.
    mark = bus.mark()
    reply = await command(client, firmware, "button", "ring", {"action": "press"})
    assert reply.ok
    assert reply.state is None
    await state_of("button_presses", mark, 1)


@pytest.mark.parametrize(
    ("platform", "entity_id", "payload", "error"),
    [
        ("light", "lamp", {"state": "ON", "brightness": 300}, "brightness"),
        ("light", "porch", {"state": "ON", "brightness": 10}, "no brightness"),
        ("light", "desk", {"state": "ON", "rgb": [1, 2, 3]}, "no rgb"),
        ("number", "setpoint", {"value": 99}, "out of range"),
        ("select", "mode", {"option": "turbo"}, "unknown option"),
        ("switch", "relay", {"state": "on"}, "state must be"),
        ("switch", "relay", {"v": 2, "state": "ON"}, "version"),
        ("switch", "nonexistent", {"state": "ON"}, "unknown entity"),
        ("sensor", "temperature", {"state": 1}, "no commands"),
        ("light", "lamp", {"state": "ON", "color_temp_kelvin": 2000}, "colour temperature out of range"),
        ("light", "lamp", {"state": "ON", "color_temp_kelvin": 7000}, "colour temperature out of range"),
    ],
    ids=[
        "brightness-range",
        "onoff-brightness",
        "no-rgb",
        "number-range",
        "option",
        "lowercase",
        "version",
        "unknown",
        "sensor",
        "kelvin-below-range",
        "kelvin-above-range",
    ],
)
async def test_invalid_commands_are_answered_with_an_error(
    host_firmware: HostFirmwareFactory,
    nats_server: NatsServer,
    bus: Recorder,
    client: Client,
    platform: str,
    entity_id: str,
    payload: dict[str, Any],
    error: str,
) -> None:
    firmware, _ = await start(host_firmware, nats_server, bus)
    reply = await command(client, firmware, platform, entity_id, payload)
    assert not reply.ok
    assert error in (reply.error or "")


async def confirmed(
    client: Client,
    bus: Recorder,
    firmware: HostFirmware,
    announced: Any,
    payload: dict[str, Any],
) -> Any:
    """Send a command that must succeed: its reply's state, also published on the state subject."""
    mark = bus.mark()
    reply = await command(client, firmware, announced.platform, announced.id, payload)
    assert reply.ok, (payload, reply.error)
    state = state_from_mapping(announced, reply.state)
    published = await bus.wait_for(
        firmware.subject(announced.platform, announced.id, "state"),
        lambda m: parse_state(announced, m.data) == state,
        since=mark,
    )
    assert published is not None
    return state


async def back_online(client: Client, firmware: HostFirmware, timeout: float = 15) -> None:
    """Wait until the firmware answers commands again (after a server restart)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            if (
                client.is_connected
                and (await command(client, firmware, "switch", "relay", {"state": "ON"})).ok
            ):
                return
        except nats.errors.Error:
            pass
        assert loop.time() < deadline, "the firmware did not come back"
        await asyncio.sleep(0.2)


async def test_climate_announced_from_its_traits_and_commanded(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """A thermostat (two-point target) and a template heat pump: capabilities, commands, confirmed states."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    thermostat = entity(announcement, "thermostat")
    assert thermostat.hvac_modes == ("off", "heat", "cool", "heat_cool")
    # ESPHome takes no single target on a two-point device: only the range is announced.
    assert (
        thermostat.supports_target_temperature,
        thermostat.supports_target_temperature_range,
        thermostat.supports_target_humidity,
    ) == (False, True, False)
    assert (thermostat.temperature_unit, thermostat.min_temp, thermostat.max_temp) == ("°C", 10, 30)
    assert (thermostat.temp_step, thermostat.precision) == (0.5, 0.5)
    assert thermostat.preset_modes == ("home", "Vacation")
    assert (thermostat.fan_modes, thermostat.swing_modes, thermostat.swing_horizontal_modes) == (
        None,
        None,
        None,
    )
    heat_pump = entity(announcement, "heat_pump")
    assert heat_pump.hvac_modes == ("off", "heat", "cool", "auto", "dry", "fan_only")
    assert (
        heat_pump.supports_target_temperature,
        heat_pump.supports_target_temperature_range,
        heat_pump.supports_target_humidity,
    ) == (True, False, True)
    assert (heat_pump.min_temp, heat_pump.max_temp, heat_pump.min_humidity, heat_pump.max_humidity) == (
        16,
        30,
        30,
        70,
    )
    # Built-in modes in ESPHome's order, then the custom ones.
    assert heat_pump.fan_modes == ("auto", "low", "high", "Turbo")
    assert heat_pump.swing_modes == ("off", "both", "vertical", "horizontal")
    assert heat_pump.swing_horizontal_modes is None
    assert heat_pump.preset_modes == ("comfort", "eco", "Night")

    # The first state may precede the sensors' first readings.
    def measured(msg: Any) -> bool:
        state = parse_state(heat_pump, msg.data)
        return isinstance(state, ClimateState) and None not in (
            state.current_temperature,
            state.current_humidity,
        )

    msg = await bus.wait_for(firmware.subject("climate", "heat_pump", "state"), measured)
    first = parse_state(heat_pump, msg.data)
    assert isinstance(first, ClimateState)
    assert (first.state, first.target_temperature, first.target_humidity) == ("heat", 21, 45)
    assert (first.fan_mode, first.swing_mode, first.preset_mode) == ("auto", "off", "comfort")
    assert (first.current_temperature, first.current_humidity) == (19.5, 48)

    state = await confirmed(
        client,
        bus,
        firmware,
        heat_pump,
        {
            "hvac_mode": "cool",
            "target_temperature": 23.5,
            "target_humidity": 55,
            "fan_mode": "Turbo",
            "swing_mode": "both",
            "preset_mode": "Night",
        },
    )
    assert (state.state, state.target_temperature, state.target_humidity) == ("cool", 23.5, 55)
    assert (state.fan_mode, state.swing_mode, state.preset_mode) == ("Turbo", "both", "Night")
    state = await confirmed(client, bus, firmware, heat_pump, {"fan_mode": "low", "preset_mode": "eco"})
    assert (state.state, state.fan_mode, state.preset_mode) == ("cool", "low", "eco")

    # Until its sensor has read, the thermostat's action is off.
    await bus.wait_for(
        firmware.subject("climate", "thermostat", "state"),
        lambda m: parse_state(thermostat, m.data).current_temperature == 19.5,  # type: ignore[attr-defined]
    )
    state = await confirmed(
        client,
        bus,
        firmware,
        thermostat,
        {"hvac_mode": "heat_cool", "target_temperature_low": 18.5, "target_temperature_high": 25},
    )
    assert (state.state, state.target_temperature_low, state.target_temperature_high) == (
        "heat_cool",
        18.5,
        25,
    )
    assert state.current_temperature == 19.5
    # The thermostat's action follows on its own timer: reported when it changes.
    await bus.wait_for(
        firmware.subject("climate", "thermostat", "state"),
        lambda m: parse_state(thermostat, m.data).hvac_action == "idle",  # type: ignore[attr-defined]
    )
    assert state.target_temperature is None
    # The thermostat's presets carry their own targets.
    state = await confirmed(client, bus, firmware, thermostat, {"preset_mode": "Vacation"})
    assert (state.preset_mode, state.target_temperature_low, state.target_temperature_high) == (
        "Vacation",
        12,
        28,
    )


async def test_fan_speed_direction_and_preset(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """Three speeds: 50 % is speed 2, reported as 66 %; a percentage and a preset at once keep both."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    fan = entity(announcement, "ceiling_fan")
    assert (fan.speed_count, fan.supports_oscillation, fan.supports_direction, fan.preset_modes) == (
        3,
        False,
        True,
        ("breeze",),
    )
    assert await confirmed(client, bus, firmware, fan, {"percentage": 50}) == FanState(
        "ON", 66, None, "forward", None
    )
    assert await confirmed(client, bus, firmware, fan, {"state": "OFF"}) == FanState(
        "OFF", 66, None, "forward", None
    )
    # direction alone leaves the fan off
    assert await confirmed(client, bus, firmware, fan, {"direction": "reverse"}) == FanState(
        "OFF", 66, None, "reverse", None
    )
    assert await confirmed(
        client, bus, firmware, fan, {"percentage": 1, "preset_mode": "breeze"}
    ) == FanState("ON", 33, None, "reverse", "breeze")
    # a speed alone ends the preset (ESPHome's rule, and Home Assistant's)
    assert await confirmed(client, bus, firmware, fan, {"percentage": 100}) == FanState(
        "ON", 100, None, "reverse", None
    )


async def test_new_platforms_refuse_what_they_did_not_announce(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """The spec's refusal texts; a refused command changes nothing."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    heat_pump_state = firmware.subject("climate", "heat_pump", "state")
    before = parse_state(entity(announcement, "heat_pump"), (await bus.wait_for(heat_pump_state)).data)
    cases = [
        ("climate", "heat_pump", {"target_temperature": 35}, "target_temperature 35 out of range 16..30"),
        (
            "climate",
            "heat_pump",
            {"hvac_mode": "cool", "target_humidity": 80},
            "target_humidity 80 out of range 30..70",
        ),
        ("climate", "heat_pump", {"fan_mode": "turbo"}, "fan_mode 'turbo' not announced"),
        ("climate", "heat_pump", {"swing_horizontal_mode": "on"}, "swing_horizontal_mode 'on' not announced"),
        ("climate", "heat_pump", {"preset_mode": "away"}, "preset_mode 'away' not announced"),
        (
            "climate",
            "heat_pump",
            {"target_temperature_low": 18, "target_temperature_high": 22},
            "target temperature range not supported",
        ),
        ("climate", "heat_pump", {"hvac_mode": "heat_cool"}, "hvac_mode 'heat_cool' not announced"),
        ("climate", "thermostat", {"target_temperature": 21}, "target_temperature not supported"),
        ("climate", "thermostat", {"target_humidity": 50}, "target_humidity not supported"),
        ("climate", "thermostat", {"temperature": 21}, "at least one"),
        (
            "climate",
            "thermostat",
            {"target_temperature_low": 25, "target_temperature_high": 20},
            "target_temperature_low",
        ),
        ("fan", "ceiling_fan", {"oscillating": True}, "oscillating not supported"),
        ("fan", "ceiling_fan", {"percentage": 100, "oscillating": True}, "oscillating not supported"),
        ("fan", "ceiling_fan", {"preset_mode": "turbo"}, "preset_mode 'turbo' not announced"),
        ("fan", "ceiling_fan", {"state": "OFF", "percentage": 50}, "percentage"),
        ("fan", "ceiling_fan", {"percentage": 0}, "percentage"),
        ("event", "doorbell", {"event_type": "ring"}, "event takes no commands"),
        ("event", "remote", {}, "event takes no commands"),
    ]
    for platform, entity_id, payload, error in cases:
        reply = await command(client, firmware, platform, entity_id, payload)
        assert not reply.ok, payload
        assert error.lower() in (reply.error or "").lower(), (payload, reply.error)
    # A discovery request re-publishes every state: the heat pump's is unchanged.
    mark = bus.mark()
    await client.request("home.discovery.request", b'{"v":1}', timeout=3)
    after = parse_state(
        entity(announcement, "heat_pump"), (await bus.wait_for(heat_pump_state, since=mark)).data
    )
    # What a command sets is unchanged; what the device measures (its template sensor
    # reports the current temperature after the first state) may have moved.
    measured = {"current_temperature": None, "current_humidity": None, "hvac_action": None}
    assert replace(after, **measured) == replace(before, **measured)
    assert (
        f"Command rejected on {firmware.subject('climate', 'heat_pump', 'command')}: "
        "target_temperature 35 out of range 16..30" in firmware.log()
    )


async def test_events_are_published_once_as_they_fire(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """Each fired event is one message on its event subject; none has a state or is sent again."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    doorbell, remote = entity(announcement, "doorbell"), entity(announcement, "remote")
    assert (doorbell.device_class, doorbell.event_types) == ("doorbell", ("ring",))
    assert (remote.device_class, remote.event_types) == ("button", ("single", "double", "long"))
    doorbell_events = firmware.subject("event", "doorbell", "event")
    remote_events = firmware.subject("event", "remote", "event")

    # The Ring button fires the doorbell; demo.remote fires the remote with its payload.
    await command(client, firmware, "button", "ring", {"action": "press"})
    msg = await bus.wait_for(doorbell_events)
    assert parse_event(doorbell, msg.data) == Event("ring")
    assert msg.data == b'{"event_type":"ring"}'
    for event_type in ("double", "long", "single"):
        await client.publish("demo.remote", event_type.encode())
    await client.flush()
    for event_type in ("double", "long", "single"):
        msg = await bus.wait_for(
            remote_events, lambda m, t=event_type: parse_event(remote, m.data) == Event(t)
        )
    # A type the entity does not have fires nothing (ESPHome refuses it).
    await client.publish("demo.remote", b"triple")

    # Re-announcements and reconnections send states again, never events.
    mark = bus.mark()
    await client.request("home.discovery.request", b'{"v":1}', timeout=3)
    await client.publish("home.ha.status", b'{"v":1,"status":"online"}')
    await bus.wait_for(firmware.subject("switch", "relay", "state"), since=mark)
    nats_server.stop()
    await asyncio.sleep(0.5)
    nats_server.start()
    await back_online(client, firmware)
    await asyncio.sleep(1.5)
    assert [m.subject for m in bus.messages[mark:] if m.subject.endswith(".event")] == []
    # Nothing but events under the event entities (no state).
    subjects = {m.subject for m in bus.messages if m.subject.startswith(firmware.subject("event"))}
    assert subjects <= {doorbell_events, remote_events}

    # A burst larger than the queue: every event is either sent, in order, or counted as dropped.
    mark = bus.mark()
    burst = ["single", "double", "long"] * 6
    for event_type in burst:
        await client.publish("demo.remote", event_type.encode())
    await client.flush()
    await asyncio.sleep(1.5)
    sent = [parse_event(remote, m.data) for m in bus.messages[mark:] if m.subject == remote_events]
    dropped = sum(int(n) for n in re.findall(r"(\d+) events dropped", firmware.log()))
    assert len(sent) + dropped == len(burst), (sent, dropped)
    assert len(sent) >= 8
    # What was sent is the burst's own order, a subsequence of it
    remaining = iter(burst)
    assert all(any(e == Event(t) for t in remaining) for e in sent)


async def test_malformed_command_payload_is_answered(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    firmware, _ = await start(host_firmware, nats_server, bus)
    msg = await client.request(firmware.subject("switch", "relay", "command"), b"ON", timeout=2)
    reply = parse_reply(msg.data)
    assert not reply.ok
    assert "JSON" in (reply.error or "")


async def test_expired_command_is_refused_after_a_freeze(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """A command read after its ttl, by a firmware that was frozen, is refused and not applied."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    clock = ControllerClock()  # the test is the controller, stamping as Home Assistant does
    relay = entity(announcement, "relay")
    relay_state = firmware.subject("switch", "relay", "state")
    # Every reply, including those to requests that have already timed out.
    inboxes = Recorder()
    await client.subscribe("_INBOX.>", cb=inboxes.handler)

    # A stamped command that succeeds: the firmware now knows this clock.
    reply = await command(client, firmware, "switch", "relay", {"state": "OFF", **clock.command_stamp(2)})
    assert reply.ok, reply.error
    assert reply.state == {"state": "OFF"}

    mark, inbox_mark = bus.mark(), inboxes.mark()
    firmware.process.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(nats.errors.TimeoutError):
            await command(client, firmware, "switch", "relay", {"state": "ON", **clock.command_stamp(2)})
        # The ttl (1.5 s) has passed during the 2 s timeout; a margin on top.
        await asyncio.sleep(1)
    finally:
        firmware.process.send_signal(signal.SIGCONT)

    # The firmware reads its backlog and refuses the command it finds expired ...
    refusal = await inboxes.wait_for(None, lambda m: b"expired" in m.data, since=inbox_mark)
    assert refusal.data == b'{"ok":false,"error":"command expired"}'
    # ... while a fresh command of the same clock is carried out.
    reply = await command(client, firmware, "light", "porch", {"state": "ON", **clock.command_stamp(2)})
    assert reply.ok, reply.error
    # The relay's state as the firmware reports it after all of that: a
    # discovery request makes it re-announce and publish every state.
    barrier = bus.mark()
    await client.request("home.discovery.request", json.dumps({"v": 1, **clock.stamp()}).encode(), timeout=3)
    msg = await bus.wait_for(relay_state, since=barrier)
    assert parse_state(relay, msg.data) == "OFF"
    assert all(parse_state(relay, m.data) == "OFF" for m in bus.messages[mark:] if m.subject == relay_state)
    assert (
        f"Refusing an expired command on {firmware.subject('switch', 'relay', 'command')}" in firmware.log()
    )


async def test_commands_are_dated_by_status_and_discovery_stamps(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """ha.status and discovery requests teach the clock; unstamped commands have no expiry."""
    firmware, _ = await start(host_firmware, nats_server, bus)
    for subject, payload in (
        ("home.ha.status", {"v": 1, "status": "offline"}),
        ("home.discovery.request", {"v": 1}),
    ):
        clock = subject.rsplit(".", 1)[-1]
        await client.publish(subject, json.dumps({**payload, "clock": clock, "sent": 100_000}).encode())
        # Sent 100 s before the message that taught the clock: long expired.
        reply = await command(
            client, firmware, "switch", "relay", {"state": "ON", "clock": clock, "sent": 0, "ttl": 1500}
        )
        assert (reply.ok, reply.error) == (False, "command expired"), subject
        reply = await command(
            client, firmware, "switch", "relay", {"state": "ON", "clock": clock, "sent": 100_000, "ttl": 1500}
        )
        assert reply.ok, reply.error
    reply = await command(client, firmware, "switch", "relay", {"state": "OFF"})
    assert reply.ok, reply.error
    reply = await command(client, firmware, "switch", "relay", {"state": "ON", "clock": "c", "sent": 1})
    assert not reply.ok
    assert "together" in (reply.error or "")


async def test_discovery_request_and_ha_online_reannounce(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    firmware, _ = await start(host_firmware, nats_server, bus)

    reply = await client.request("home.discovery.request", b'{"v":1}', timeout=2)
    assert parse_announcement(reply.data, firmware.device_id).id == firmware.device_id

    mark = bus.mark()
    await client.publish("home.ha.status", b'{"v":1,"status":"online"}')
    await bus.wait_for(firmware.announce_subject, since=mark, timeout=3)
    # Re-announcements wait a random 0-1 s: let any still pending from the
    # triggers above land before watching what "offline" does.
    await asyncio.sleep(1.2)

    mark = bus.mark()
    await client.publish("home.ha.status", b'{"v":1,"status":"offline"}')
    await asyncio.sleep(1.5)
    assert not [m for m in bus.messages[mark:] if m.subject == firmware.announce_subject]


async def test_on_message_and_publish_action(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    await start(host_firmware, nats_server, bus)
    await client.publish("demo.echo", b"hello")
    msg = await bus.wait_for("demo.echoed")
    assert msg.data == b"echo: hello"


async def test_reconnects_and_reannounces_after_server_restart(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    # The firmware may announce before this test's own client has reconnected,
    # so the server captures announcements in a stream (as a real home does).
    js = client.jetstream()
    stream = "ESPHOME_TEST_ANNOUNCE"
    await js.add_stream(name=stream, subjects=["home.discovery.announce.>"])
    firmware, _ = await start(host_firmware, nats_server, bus)
    # The bus sees the announcement before JetStream has stored it.
    async with asyncio.timeout(5):
        while (await js.stream_info(stream)).state.messages < 1:  # noqa: ASYNC110 (polls the server)
            await asyncio.sleep(0.05)
    assert (await js.stream_info(stream)).state.messages == 1

    nats_server.stop()
    await asyncio.sleep(0.5)
    nats_server.start()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        if client.is_connected:
            try:
                if (await js.stream_info(stream)).state.messages >= 2:
                    break
            except (nats.errors.Error, TimeoutError):
                pass
        assert loop.time() < deadline, "no announcement after the server restart"
        await asyncio.sleep(0.1)
    msg = await js.get_last_msg(stream, firmware.announce_subject)
    assert msg.data is not None
    parse_announcement(msg.data, firmware.device_id)
    # And it is fully back: commands work again.
    reply = await command(client, firmware, "switch", "relay", {"state": "ON"})
    assert reply.ok


async def test_clean_shutdown_says_offline(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder
) -> None:
    firmware, _ = await start(host_firmware, nats_server, bus)
    await bus.wait_for(firmware.status_subject)
    mark = bus.mark()
    assert firmware.stop() == 0
    msg = await bus.wait_for(
        firmware.status_subject, lambda m: not parse_heartbeat(m.data).online, since=mark
    )
    assert parse_heartbeat(msg.data).online is False


async def test_killed_firmware_sends_no_more_heartbeats(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder
) -> None:
    firmware, _ = await start(host_firmware, nats_server, bus)
    first = await bus.wait_for(firmware.status_subject)
    # Heartbeats keep coming while it runs (interval 5 s) ...
    await bus.wait_for(firmware.status_subject, lambda m: m is not first, since=bus.mark(), timeout=7)
    firmware.kill()
    mark = bus.mark()
    # ... and stop when it is gone: no goodbye, no heartbeat for over an interval.
    await asyncio.sleep(6)
    assert not [m for m in bus.messages[mark:] if m.subject == firmware.status_subject]


async def test_reconnect_back_off_is_jittered(host_firmware: HostFirmwareFactory) -> None:
    """Each wait is drawn from 0.5x-1.5x of the doubling back-off, so a home does not reconnect in step."""
    firmware = host_firmware(f"127.0.0.1:{free_port()}")
    await asyncio.sleep(5)
    waits = [int(w) for w in re.findall(r"Next attempt in (\d+) ms", firmware.log())]
    # examples/esphome/host.yaml: reconnect_interval 200ms, reconnect_max_interval 2s.
    bases = [min(200 * 2**i, 2000) for i in range(len(waits))]
    assert len(waits) >= 4, waits
    assert all(base // 2 <= wait <= base // 2 + base for wait, base in zip(waits, bases, strict=True)), waits
    assert waits != bases


async def test_fails_over_to_the_next_server(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder
) -> None:
    dead = f"127.0.0.1:{free_port()}"
    firmware = host_firmware(f"{dead},{nats_server.url}")
    msg = await bus.wait_for(firmware.announce_subject, timeout=10)
    parse_announcement(msg.data, firmware.device_id)
    assert f"Cannot connect to {dead}" in firmware.log()


async def test_wire_handshake_garbage_and_err(host_firmware: HostFirmwareFactory) -> None:
    async with FakeServer() as server:
        firmware = host_firmware(f"127.0.0.1:{server.port}")

        reader, writer = await server.accept()
        op, _, arg = (await readline(reader)).partition(" ")
        assert op == "CONNECT"
        options = json.loads(arg)
        assert options["verbose"] is False
        assert options["pedantic"] is False
        assert options["headers"] is True
        assert options["no_responders"] is True
        assert options["protocol"] == 1
        assert options["name"] == firmware.device_id
        assert await readline(reader) == "PING\r\n"
        writer.write(b"PONG\r\n")
        await writer.drain()
        subs = set()
        direct_gets = []
        while True:
            line = await readline(reader)
            if line.startswith("SUB "):
                subs.add(line.split()[1])
            if line.startswith("PUB $JS.API.DIRECT.GET."):
                # The configuration store's gets go out once every SUB is queued.
                assert len(subs) == 8
                direct_gets.append(line.split()[1])
            if line.startswith(f"PUB {firmware.announce_subject} "):
                parse_announcement((await readline(reader)).encode(), firmware.device_id)
                break
        inbox = next(s for s in subs if s.startswith("_INBOX."))
        assert re.fullmatch(rf"_INBOX\.{firmware.device_id}\.[0-9a-f]{{8}}\.\*", inbox)
        assert subs - {inbox} == {
            firmware.subject("*", "*", "command"),
            "home.discovery.request",
            "home.ha.status",
            f"$KV.NATS_HOME_HOME_CONFIG.{firmware.device_id}.*",
            "demo.echo",
            "demo.remote",
            "demo.log",
        }
        # Unanswered (this server knows no JetStream), they hold the announcement 2 s at most.
        key = f"$KV.NATS_HOME_HOME_CONFIG.{firmware.device_id}"
        assert direct_gets == [
            f"$JS.API.DIRECT.GET.KV_NATS_HOME_HOME_CONFIG.{key}.heartbeat_interval",
            f"$JS.API.DIRECT.GET.KV_NATS_HOME_HOME_CONFIG.{key}.name",
        ]
        # A server PING is answered.
        writer.write(b"PING\r\n")
        await writer.drain()
        while (await readline(reader)) != "PONG\r\n":
            pass

        # Garbage from the server: the firmware drops the connection and comes back.
        writer.write(b"GARBAGE\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 10) == b"" or reader.at_eof()
        writer.close()

        # -ERR is logged; the server closing afterwards is survived as well.
        reader, writer = await server.accept()
        assert (await readline(reader)).startswith("CONNECT ")
        writer.write(b"-ERR 'Authorization Violation'\r\n")
        await writer.drain()
        writer.close()

        reader, writer = await server.accept()
        assert (await readline(reader)).startswith("CONNECT ")
        writer.close()
        log = firmware.log()
        assert "unknown protocol operation" in log
        assert "Server error: Authorization Violation" in log


async def first_state(bus: Recorder, firmware: HostFirmware, announced: Any) -> Any:
    """The state the firmware publishes after its announcement."""
    msg = await bus.wait_for(firmware.subject(announced.platform, announced.id, "state"))
    return parse_state(announced, msg.data)


async def test_cover_valve_and_lock_announced_from_their_traits_and_commanded(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """Template cover, valve and lock: ESPHome's traits as capabilities, each command confirmed."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    blind = entity(announcement, "blind")
    assert (blind.device_class, blind.supports_position, blind.supports_tilt, blind.supports_stop) == (
        "blind",
        True,
        True,
        False,
    )
    assert blind.assumed_state is False
    valve = entity(announcement, "garden_valve")
    assert (valve.device_class, valve.supports_position, valve.supports_stop, valve.assumed_state) == (
        "water",
        True,
        False,
        False,
    )
    front_door = entity(announcement, "front_door")
    # ESPHome's requires_code has no format: the protocol's code length is announced.
    assert (front_door.supports_open, front_door.assumed_state, front_door.code_format) == (
        True,
        False,
        "^.{1,64}$",
    )

    # ESPHome starts covers and valves fully open (1.0), a lock unknown.
    assert await first_state(bus, firmware, blind) == CoverState("open", 100, 100)
    assert await first_state(bus, firmware, valve) == ValveState("open", 100)
    assert await first_state(bus, firmware, front_door) == LockState(None)

    assert await confirmed(client, bus, firmware, blind, {"position": 40}) == CoverState("open", 40, 100)
    assert await confirmed(client, bus, firmware, blind, {"tilt": 70}) == CoverState("open", 40, 70)
    assert await confirmed(client, bus, firmware, blind, {"action": "close"}) == CoverState("closed", 0, 70)
    assert await confirmed(client, bus, firmware, blind, {"action": "open"}) == CoverState("open", 100, 70)
    assert await confirmed(client, bus, firmware, blind, {"position": 0, "tilt": 0}) == CoverState(
        "closed", 0, 0
    )

    assert await confirmed(client, bus, firmware, valve, {"position": 0}) == ValveState("closed", 0)
    assert await confirmed(client, bus, firmware, valve, {"action": "open"}) == ValveState("open", 100)
    assert await confirmed(client, bus, firmware, valve, {"position": 37}) == ValveState("open", 37)
    assert await confirmed(client, bus, firmware, valve, {"action": "close"}) == ValveState("closed", 0)

    assert await confirmed(
        client, bus, firmware, front_door, {"action": "lock", "code": "1234"}
    ) == LockState("locked")
    assert await confirmed(client, bus, firmware, front_door, {"action": "unlock", "code": "1"}) == LockState(
        "unlocked"
    )
    # The template lock's open_action publishes OPEN.
    assert await confirmed(client, bus, firmware, front_door, {"action": "open", "code": "1"}) == LockState(
        "open"
    )


async def test_cover_valve_and_lock_refuse_what_they_cannot_do(
    host_firmware: HostFirmwareFactory, nats_server: NatsServer, bus: Recorder, client: Client
) -> None:
    """The spec's texts, for a missing capability and for a malformed command; nothing changes."""
    firmware, announcement = await start(host_firmware, nats_server, bus)
    announced = [entity(announcement, e) for e in ("blind", "garden_valve", "front_door")]
    before = [await first_state(bus, firmware, e) for e in announced]
    cases = [
        ("cover", "blind", {"action": "stop"}, "stop not supported"),
        ("cover", "blind", {"action": "open", "position": 50}, "action cannot go with position"),
        ("cover", "blind", {"position": 101}, "invalid position"),
        ("cover", "blind", {"tilt": None}, "invalid tilt"),
        ("valve", "garden_valve", {"action": "stop"}, "stop not supported"),
        ("valve", "garden_valve", {"tilt": 5}, "action or position is required"),
        ("lock", "front_door", {"action": "unlock"}, "code required"),
        ("lock", "front_door", {"action": "open"}, "code required"),
        ("lock", "front_door", {"action": "toggle", "code": "1"}, "invalid action"),
        ("lock", "front_door", {"action": "open", "code": ""}, "invalid code"),
    ]
    for platform, entity_id, payload, error in cases:
        reply = await command(client, firmware, platform, entity_id, payload)
        assert not reply.ok, payload
        assert error in (reply.error or ""), (payload, reply.error)
    # A discovery request re-publishes every state: none has changed.
    mark = bus.mark()
    await client.request("home.discovery.request", b'{"v":1}', timeout=3)
    for e, state in zip(announced, before, strict=True):
        msg = await bus.wait_for(firmware.subject(e.platform, e.id, "state"), since=mark)
        assert parse_state(e, msg.data) == state
    subject = firmware.subject("lock", "front_door", "command")
    assert f"Command rejected on {subject}: code required" in firmware.log()
