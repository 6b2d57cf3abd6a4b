"""examples/python/plug.py, the device docs/python-device.md walks through, works as documented."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import signal
import sys

import nats
from nats.aio.msg import Msg

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
