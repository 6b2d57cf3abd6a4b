"""Round-trip device: one NATS Home switch, built on the project's Device class (own process)."""

from __future__ import annotations

import argparse
import asyncio
import signal

from nats_home import client
from nats_home.device import Device


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", default="home")
    parser.add_argument("--device", default="benchsw")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    nc = await client.connect(args.url, name=f"bench device {args.device}")
    device = Device(
        nc,
        args.device,
        "Bench NATS",
        [{"platform": "switch", "id": "relay", "name": "relay"}],
        prefix=args.prefix,
        heartbeat_interval=600,
        announce_jitter=0.0,
        manufacturer="bench",
    )
    device.states["relay"] = {"state": "OFF"}
    await device.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await device.stop()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main())
