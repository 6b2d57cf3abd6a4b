"""The demo's device simulator: taking one device offline, crashed or frozen and back.

Runs scripts/simulate-devices' Home in-process against a real nats-server and
drives it through its control subject, as `scripts/demo offline kitchen` does.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
import importlib.machinery
import importlib.util
import json
from pathlib import Path
import re
import types
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
import nats.errors
import pytest

from nats_home.expiry import ControllerClock
from nats_home.payloads import encode, parse_announcement, state_from_mapping
from nats_home.subjects import Subjects

from .nats_server import NatsServer, free_port

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "simulate-devices"
SUBJECTS = Subjects("home")
CONTROL = "simulator.home.control"
COFFEE = SUBJECTS.entity("kitchen", "switch", "coffee", "command")


def _load_simulator() -> types.ModuleType:
    loader = importlib.machinery.SourceFileLoader("simulate_devices", str(SCRIPT))
    spec = importlib.util.spec_from_loader("simulate_devices", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


sim = _load_simulator()


def _args(server: NatsServer, **extra: Any) -> argparse.Namespace:
    values = {"server": [server.url], "prefix": "home", "heartbeat": 30, "speed": 1.0, "seed": 1}
    return argparse.Namespace(**(values | extra))


@pytest.fixture
async def home(nats_server: NatsServer) -> AsyncIterator[Any]:
    """The simulator's devices, running."""
    running = sim.Home(_args(nats_server))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def client(nats_server: NatsServer) -> AsyncIterator[Client]:
    """A controller's connection."""
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


async def _control(client: Client, request: str) -> str:
    reply = await client.request(CONTROL, request.encode(), timeout=3)
    return reply.data.decode()


async def _collect(client: Client, subject: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    async def append(msg: Msg) -> None:
        messages.append(json.loads(msg.data))

    await client.subscribe(subject, cb=append)
    await client.flush()
    return messages


async def test_clean_offline_says_goodbye_and_comes_back(home: Any, client: Client) -> None:
    """`offline`: "online": false, no responders; `online`: announced, obeys again."""
    statuses = await _collect(client, SUBJECTS.status("kitchen"))
    announcements = await _collect(client, SUBJECTS.announce_for("kitchen"))

    answer = await _control(client, "offline kitchen")
    assert '"online": false' in answer
    await client.flush()
    assert statuses[-1]["online"] is False
    with pytest.raises(nats.errors.NoRespondersError):
        await client.request(COFFEE, b'{"state":"ON"}', timeout=2)
    assert re.search(r"^kitchen +offline for 0 s  \(Wall panel\)$", await _control(client, "devices"), re.M)

    assert "is back" in await _control(client, "online kitchen")
    await client.flush()
    assert statuses[-1]["online"] is True
    assert announcements
    reply = await client.request(COFFEE, b'{"state":"ON"}', timeout=2)
    assert json.loads(reply.data) == {"ok": True, "state": {"state": "ON"}}


async def test_crash_leaves_without_a_goodbye(home: Any, client: Client) -> None:
    """`crash`: no "online": false, but nothing answers commands any more."""
    statuses = await _collect(client, SUBJECTS.status("kitchen"))
    assert "without a goodbye" in await _control(client, "crash kitchen")
    with pytest.raises(nats.errors.NoRespondersError):
        await client.request(COFFEE, b'{"state":"ON"}', timeout=2)
    assert statuses == []
    await _control(client, "online kitchen")
    reply = await client.request(COFFEE, b'{"state":"ON"}', timeout=2)
    assert json.loads(reply.data)["ok"] is True


async def test_frozen_device_refuses_the_commands_it_reads_late(home: Any, client: Client) -> None:
    """`freeze`: commands time out; on `online` the queued ones are refused as expired."""
    clock = ControllerClock()
    command = {"state": "OFF", **clock.command_stamp(2)}  # the device learns the clock
    reply = await client.request(COFFEE, json.dumps(command).encode(), timeout=2)
    assert json.loads(reply.data)["ok"] is True
    assert "is frozen" in await _control(client, "freeze kitchen")

    command = {"state": "ON", **clock.command_stamp(0.4)}  # ttl 200 ms
    with pytest.raises(nats.errors.TimeoutError):
        await client.request(COFFEE, json.dumps(command).encode(), timeout=0.4)
    await asyncio.sleep(0.2)

    answer = await _control(client, "online kitchen")
    assert "refused 1 expired command(s), carried out 0" in answer
    kitchen = home.devices["kitchen"]
    assert kitchen.states["coffee"] == {"state": "OFF"}
    assert kitchen.expired == [("coffee", {"state": "ON"})]

    command = {"state": "ON", **clock.command_stamp(2)}
    reply = await client.request(COFFEE, json.dumps(command).encode(), timeout=2)
    assert json.loads(reply.data) == {"ok": True, "state": {"state": "ON"}}


async def test_a_frozen_device_sends_nothing_until_it_is_back(home: Any, client: Client) -> None:
    """While frozen, a heartbeat waits (as in a stopped process); it goes out on `online`."""
    statuses = await _collect(client, SUBJECTS.status("kitchen"))
    await _control(client, "freeze kitchen")
    heartbeat = asyncio.create_task(home.devices["kitchen"].heartbeat())
    await asyncio.sleep(0.3)
    await client.flush()
    assert not heartbeat.done()
    assert statuses == []
    await _control(client, "online kitchen")
    await asyncio.wait_for(heartbeat, 2)
    await client.flush()
    assert statuses[-1]["online"] is True


@pytest.mark.parametrize(
    ("request_text", "error"),
    [
        ("freeze cellar", "no device 'cellar'; devices: living-room, kitchen, hallway, thermostat"),
        ("reboot kitchen", "cannot do 'reboot kitchen'; usage: offline|crash|freeze|online DEVICE"),
        ("offline", "cannot do 'offline'"),
    ],
)
async def test_control_errors(home: Any, client: Client, request_text: str, error: str) -> None:
    """A request the simulator cannot carry out is answered with the reason."""
    assert (await _control(client, request_text)).startswith(f"error: {error}")


async def test_one_change_at_a_time(home: Any, client: Client) -> None:
    """A device that is not online must come back before it can go another way."""
    await _control(client, "offline kitchen")
    assert await _control(client, "offline kitchen") == "kitchen is already offline"
    answer = await _control(client, "freeze kitchen")
    assert answer == "error: kitchen is offline; bring it back first: online kitchen"
    assert await _control(client, "online thermostat") == "thermostat is already online"


async def test_command_line_control(
    home: Any, nats_server: NatsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """`simulate-devices --control ...` prints the answer; errors go to stderr, exit 1."""
    assert await sim.send_control(_args(nats_server, control="freeze hallway")) == 0
    assert "hallway (Entry sensor) is frozen" in capsys.readouterr().out
    assert await sim.send_control(_args(nats_server, control="devices")) == 0
    assert re.search(r"^hallway +frozen for 0 s  \(Entry sensor\)$", capsys.readouterr().out, re.M)
    assert await sim.send_control(_args(nats_server, control="crash attic")) == 1
    assert "no device 'attic'" in capsys.readouterr().err
    assert await sim.send_control(_args(nats_server, control="devices", prefix="other")) == 1
    assert "no simulator is running with prefix 'other'" in capsys.readouterr().err


async def test_command_line_control_without_a_server(capsys: pytest.CaptureFixture[str]) -> None:
    """No NATS server there: said at once, exit 1."""
    url = f"nats://127.0.0.1:{free_port()}"
    args = argparse.Namespace(server=[url], prefix="home", control="devices")
    assert await asyncio.wait_for(sim.send_control(args), 10) == 1
    assert f"cannot reach the NATS server {url}" in capsys.readouterr().err


async def test_every_device_announces_validly_and_obeys(home: Any, client: Client) -> None:
    """Every simulated device's announcement and states are valid; the 1.4 and 1.6 platforms obey commands."""
    for device_id, device in home.devices.items():
        announcement = parse_announcement(encode(device.announcement()), device_id)
        infos = {info.id: info for info in announcement.entities}
        for entity_id, state in device.states.items():
            state_from_mapping(infos[entity_id], state)
    for subject, command, confirmed in (
        ("blinds.cover.window", {"position": 30}, {"state": "open", "position": 30}),
        ("garage.cover.door", {"action": "open"}, {"state": "open"}),
        ("heat-pump.climate.climate", {"hvac_mode": "cool"}, {"state": "cool"}),
        ("bedroom-fan.fan.fan", {"percentage": 50}, {"state": "ON"}),
        ("garden.valve.tap", {"position": 40}, {"state": "open", "position": 40}),
        ("front-door.lock.lock", {"action": "unlock", "code": "1234"}, {"state": "unlocked"}),
        ("alarm-clock.time.alarm", {"value": "07:15:00"}, {"state": "07:15:00"}),
        ("alarm-clock.date.holiday_until", {"value": "2027-01-08"}, {"state": "2027-01-08"}),
        (
            "alarm-clock.datetime.next_trip",
            {"value": "2027-01-08T06:00:00Z"},
            {"state": "2027-01-08T06:00:00Z"},
        ),
        ("alarm-clock.text.message", {"value": "Hello"}, {"state": "Hello"}),
    ):
        reply = json.loads((await client.request(f"home.devices.{subject}.command", encode(command), 2)).data)
        assert reply["ok"], reply
        assert confirmed.items() <= reply["state"].items(), reply
