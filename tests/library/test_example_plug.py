"""examples/python/plug.py, the device docs/python-device.md walks through, works as documented."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import signal
import sys

import nats
from nats.aio.msg import Msg
from nats.js.api import KeyValueConfig

from nats_home.config_settings import bucket_name

from ..nats_server import NatsServer

PLUG = Path(__file__).resolve().parents[2] / "examples" / "python" / "plug.py"


async def test_plug_announces_switches_and_says_goodbye(nats_server: NatsServer) -> None:
    """It announces its two entities, a command switches it, and stopping it says offline."""
    client = await nats.connect(nats_server.url)
    announced: asyncio.Queue[Msg] = asyncio.Queue()
    statuses: asyncio.Queue[Msg] = asyncio.Queue()
    await client.subscribe("home.discovery.announce.desk-plug", cb=announced.put)
    await client.subscribe("home.devices.desk-plug.status", cb=statuses.put)
    await client.flush()
    process = await asyncio.create_subprocess_exec(sys.executable, str(PLUG), "--server", nats_server.url)
    try:
        announcement = json.loads((await asyncio.wait_for(announced.get(), 20)).data)
        assert [entity["id"] for entity in announcement["entities"]] == ["relay", "power"]
        reply = await client.request(
            "home.devices.desk-plug.switch.relay.command", b'{"state":"ON"}', timeout=5
        )
        assert json.loads(reply.data) == {"ok": True, "state": {"state": "ON"}}
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
        while (status := json.loads((await asyncio.wait_for(statuses.get(), 5)).data))["online"]:
            pass
        assert status["online"] is False
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await client.close()


async def test_plug_takes_its_child_lock_setting(nats_server: NatsServer) -> None:
    """The child lock, stored in the home's bucket before the plug starts, makes it refuse switching."""
    client = await nats.connect(nats_server.url)
    kv = await client.jetstream().create_key_value(KeyValueConfig(bucket=bucket_name("home"), direct=True))
    await kv.put("desk-plug.child_lock", b"true")
    announced: asyncio.Queue[Msg] = asyncio.Queue()
    await client.subscribe("home.discovery.announce.desk-plug", cb=announced.put)
    await client.flush()
    process = await asyncio.create_subprocess_exec(sys.executable, str(PLUG), "--server", nats_server.url)
    try:
        announcement = json.loads((await asyncio.wait_for(announced.get(), 20)).data)
        assert [setting["id"] for setting in announcement["config"]] == ["name", "child_lock"]
        command = "home.devices.desk-plug.switch.relay.command"
        reply = await client.request(command, b'{"state":"ON"}', timeout=5)
        assert json.loads(reply.data) == {"ok": False, "error": "the child lock is on"}
        await kv.put("desk-plug.child_lock", b"false")
        for _ in range(50):
            reply = await client.request(command, b'{"state":"ON"}', timeout=5)
            if json.loads(reply.data)["ok"]:
                break
            await asyncio.sleep(0.1)
        assert json.loads(reply.data) == {"ok": True, "state": {"state": "ON"}}
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await client.close()
