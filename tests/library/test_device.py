"""The Python device library against a real nats-server: how it answers discovery."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json

import nats
from nats.aio.msg import Msg
import pytest

from nats_home import device as device_module
from nats_home.device import Device
from nats_home.errors import ProtocolError

from ..nats_fixtures import DeviceFactory, server_has_everything, until
from ..nats_server import NatsServer

ANNOUNCE = "home.discovery.announce.lamp"


async def test_discovery_request_is_answered_on_its_reply_subject(
    device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """A controller gathering devices gets the announcement as the reply."""
    await device_factory("lamp", [{"platform": "switch", "id": "relay"}])
    client = await nats.connect(nats_server.url)
    try:
        reply = await client.request("home.discovery.request", b'{"v":1}', timeout=2)
    finally:
        await client.close()
    assert json.loads(reply.data)["id"] == "lamp"


async def test_home_assistant_start_gets_one_announcement(
    device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """`ha.status` online and a discovery request together: one announcement answers both."""
    device = await device_factory("lamp", [{"platform": "switch", "id": "relay"}], announce_jitter=0.3)
    await device.set_state("relay", "ON")
    client = await nats.connect(nats_server.url)
    announcements: list[Msg] = []
    states: list[Msg] = []
    replies: list[Msg] = []
    try:
        await client.subscribe(ANNOUNCE, cb=_collect(announcements))
        await client.subscribe("home.devices.lamp.switch.relay.state", cb=_collect(states))
        inbox = client.new_inbox()
        await client.subscribe(inbox, cb=_collect(replies))
        await client.publish("home.ha.status", b'{"v":1,"status":"online"}')
        await client.publish("home.discovery.request", b'{"v":1}', reply=inbox)
        await client.flush()
        await asyncio.sleep(0.8)  # past the 0.3 s jitter
    finally:
        await client.close()
    assert len(announcements) == 1
    assert len(replies) == 1
    assert len(states) == 1, "the states follow the single announcement once"


def _collect(messages: list[Msg]) -> Callable[[Msg], Awaitable[None]]:
    async def _append(msg: Msg) -> None:
        messages.append(msg)

    return _append


async def test_restarted_device_answers_discovery_again(
    device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """A stop during the announce delay does not leave the device deaf to later requests."""
    device = await device_factory("lamp", [{"platform": "switch", "id": "relay"}], announce_jitter=5)
    client = await nats.connect(nats_server.url)
    try:
        await client.publish("home.discovery.request", b'{"v":1}')
        await until(lambda: device._announce_pending, 5)  # the announcement now waits up to 5 s
        await device.stop()
        device.announce_jitter = 0
        await device.start()
        await server_has_everything(device.nc)  # its SUBs are on the server
        reply = await client.request("home.discovery.request", b'{"v":1}', timeout=2)
    finally:
        await client.close()
    assert json.loads(reply.data)["id"] == "lamp"


async def test_light_refuses_a_colour_temperature_outside_its_range(
    device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """Devices enforce the range they announce (docs/protocol.md, "Light ranges")."""
    light = {"platform": "light", "id": "bulb", "color_modes": ["color_temp"], "min_kelvin": 2700}
    device = await device_factory("lamp", [light])
    client = await nats.connect(nats_server.url)
    try:
        subject = "home.devices.lamp.light.bulb.command"
        replies = [
            json.loads((await client.request(subject, json.dumps(cmd).encode(), timeout=2)).data)
            for cmd in (
                {"state": "ON", "color_temp_kelvin": 2600},
                {"state": "ON", "color_temp_kelvin": 6600},
                {"state": "ON", "color_temp_kelvin": 2700},
            )
        ]
    finally:
        await client.close()
    assert [r["ok"] for r in replies] == [False, False, True]
    assert replies[0]["error"] == "colour temperature out of range 2700..6500"
    assert device.states["bulb"]["color_temp_kelvin"] == 2700


async def test_events_are_published_once_and_commands_refused(
    device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """fire_event publishes on the entity's event subject; an announcement repeats no event."""
    bell = {"platform": "event", "id": "bell", "event_types": ["ring", "knock"]}
    client = await nats.connect(nats_server.url)
    try:
        events: list[Msg] = []

        async def _record(msg: Msg) -> None:
            events.append(msg)

        await client.subscribe("home.devices.porch.*.*.event", cb=_record)
        await server_has_everything(client)
        device = await device_factory("porch", [bell])
        await device.fire_event("bell", "ring")
        await device.fire_event("bell", "knock", count=2, loud=True)
        await device.announce()
        await server_has_everything(device.nc)  # its command subscription too
        reply = await client.request("home.devices.porch.event.bell.command", b'{"action":"ring"}', timeout=2)
        await until(lambda: len(events) >= 2, timeout=2)
    finally:
        await client.close()
    assert [(msg.subject, json.loads(msg.data)) for msg in events] == [
        ("home.devices.porch.event.bell.event", {"event_type": "ring"}),
        (
            "home.devices.porch.event.bell.event",
            {"event_type": "knock", "attributes": {"count": 2, "loud": True}},
        ),
    ]
    assert json.loads(reply.data) == {"ok": False, "error": "event takes no commands"}
    assert device.commands == []


async def test_nothing_outlives_a_stopped_device(device_factory: DeviceFactory) -> None:
    """A request handled while the device stops starts no task that would publish after it."""
    device = await device_factory("lamp", [{"platform": "switch", "id": "relay"}], announce_jitter=0.5)
    await device.stop()
    device._schedule_announce("late.reply")  # as a handler still running during stop() would
    assert not device._tasks
    await device.start()  # and a restarted device still answers discovery
    device._schedule_announce(None)
    assert len(device._tasks) == 2  # heartbeat loop and the announcement


async def test_a_wrongly_described_entity_is_refused_at_once(nats_server: NatsServer) -> None:
    """A mistake in the device's own entities fails when it is made, naming the entity.

    Home Assistant would refuse the whole announcement and only log why.
    """
    client = await nats.connect(nats_server.url)
    try:
        with pytest.raises(ProtocolError, match=r"entity 'target': min must be below max"):
            Device(client, "desk", "Desk", [{"platform": "number", "id": "target", "min": 30, "max": 5}])
        with pytest.raises(ProtocolError, match="used twice"):
            Device(
                client, "desk", "Desk", [{"platform": "switch", "id": "a"}, {"platform": "button", "id": "a"}]
            )
    finally:
        await client.close()


async def test_the_refusal_of_a_huge_command_fits_a_reply(
    device_factory: DeviceFactory, nats_server: NatsServer
) -> None:
    """The validation message quotes the command; the reply's error still stays within 255 characters."""
    await device_factory("lamp", [{"platform": "switch", "id": "relay"}])
    client = await nats.connect(nats_server.url)
    try:
        command = json.dumps({"state": "D" * 2000}).encode()  # quoted back in the message
        reply = await client.request("home.devices.lamp.switch.relay.command", command, timeout=2)
    finally:
        await client.close()
    answer = json.loads(reply.data)
    assert answer["ok"] is False
    assert 0 < len(answer["error"]) <= 255


async def test_a_long_running_device_keeps_only_its_last_commands(
    device_factory: DeviceFactory, nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands a device keeps for inspection stay bounded (KEPT_COMMANDS, lowered to 3 here)."""
    monkeypatch.setattr(device_module, "KEPT_COMMANDS", 3)
    device = await device_factory("plug", [{"platform": "switch", "id": "relay"}])
    client = await nats.connect(nats_server.url)
    try:
        for i in range(5):
            state = "ON" if i % 2 == 0 else "OFF"
            reply = await client.request(
                "home.devices.plug.switch.relay.command", json.dumps({"state": state}).encode(), timeout=2
            )
            assert json.loads(reply.data)["ok"]
    finally:
        await client.close()
    assert device.commands == [("relay", {"state": s}) for s in ("ON", "OFF", "ON")]
