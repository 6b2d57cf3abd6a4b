"""A protocol device in a process of its own, for tests that freeze it (SIGSTOP).

    python -m tests.device_process NATS_URL DEVICE_ID

Announces a switch `relay` and a number `dial`, prints "ready" once started,
and runs until terminated.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import nats

from nats_home.device import Device

ENTITIES = [
    {"platform": "switch", "id": "relay", "name": "Relay"},
    {"platform": "number", "id": "dial", "name": "Dial", "min": 0, "max": 100},
]


async def main(url: str, device_id: str) -> None:
    """Run the device until SIGTERM."""
    client = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    device = Device(client, device_id, device_id.title(), ENTITIES, announce_jitter=0)
    await device.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await device.stop()
    await client.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
