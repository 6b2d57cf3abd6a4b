"""Floor: raw request-reply to the round-trip device's command subject (own process), nats-py or own client.

Prints one JSON object: {"debug": bool, "latencies": [seconds, ...]}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import nats

from nats_home import client


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--subject", required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--client", choices=("nats-py", "own"), default="nats-py")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    loop.set_debug(False)
    connect = client.connect if args.client == "own" else nats.connect
    nc = await connect(args.url, name="bench raw request-reply")
    payloads = [b'{"state":"ON"}', b'{"state":"OFF"}']
    latencies = []
    for i in range(args.warmup + args.n):
        t0 = time.perf_counter()
        await nc.request(args.subject, payloads[i % 2], timeout=5)
        if i >= args.warmup:
            latencies.append(time.perf_counter() - t0)
    await nc.close()
    print(json.dumps({"debug": loop.get_debug(), "latencies": latencies}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
