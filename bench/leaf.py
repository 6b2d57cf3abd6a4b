"""What a home on a leaf node gets when the internet (the hub) goes and comes back, measured.

uv run python bench/leaf.py [--quick]

examples/nats-server/hub.conf and leaf-home.conf on loopback, a switch
device (its own process) on the home's server. Per round:
  linked   confirmed command round trips from the home and from the hub,
  hub down round trips from the home (and how many were not confirmed),
  hub back the time from starting the hub until a client on the hub has a
           confirmed command through the leaf again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from common import BENCH, REPO, Bench, fmt_spread, free_port, nats_server_binary, pct, save, spread, wait_port

EXAMPLES = REPO / "examples" / "nats-server"
COMMAND = "home.devices.benchsw.switch.relay.command"


def _config(bench: Bench, name: str, replace: dict[str, str]) -> str:
    """The example with its ports and directories replaced by the run's."""
    text = (EXAMPLES / name).read_text()
    for old, new in replace.items():
        assert old in text, f"{name} has no {old!r}"
        text = text.replace(old, new)
    path = bench.workdir / name
    path.write_text(text)
    return str(path)


class Servers:
    """The hub and the home's leaf server, each restartable on its port."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        leaf, self.hub_port, self.home_port = free_port(), free_port(), free_port()
        self.hub_config = _config(
            bench,
            "hub.conf",
            {
                '"0.0.0.0:4222"': f'"127.0.0.1:{self.hub_port}"',
                '"127.0.0.1:8222"': f'"127.0.0.1:{free_port()}"',
                '"./hub-data"': f'"{bench.workdir / "hub"}"',
                '"0.0.0.0:7422"': f'"127.0.0.1:{leaf}"',
            },
        )
        self.home_config = _config(
            bench,
            "leaf-home.conf",
            {
                '"0.0.0.0:4222"': f'"127.0.0.1:{self.home_port}"',
                '"127.0.0.1:8222"': f'"127.0.0.1:{free_port()}"',
                '"./nats-data"': f'"{bench.workdir / "home"}"',
                "hub.example.com:7422": f"127.0.0.1:{leaf}",
            },
        )
        self.hub = self.start_hub()
        home = bench.popen([nats_server_binary(), "-c", self.home_config], "home.log")
        wait_port(self.home_port, home, "home nats-server")

    def start_hub(self) -> Any:
        hub = self.bench.popen([nats_server_binary(), "-c", self.hub_config], "hub.log")
        wait_port(self.hub_port, hub, "hub nats-server")
        return hub

    def stop_hub(self) -> None:
        self.hub.terminate()
        self.hub.wait(10)


async def _expected(_err: Exception) -> None:
    pass


async def _round_trips(client: Any, count: int) -> tuple[list[float], int]:
    """Confirmed switch commands one after another: seconds each, and how many got no reply."""
    times, failed = [], 0
    for index in range(count):
        payload = json.dumps({"state": "ON" if index % 2 else "OFF"}).encode()
        start = time.perf_counter()
        try:
            reply = await client.request(COMMAND, payload, timeout=1)
            if not json.loads(reply.data).get("ok"):
                failed += 1
                continue
        except Exception:  # noqa: BLE001 (counted: any failure is a command not confirmed)
            failed += 1
            continue
        times.append(time.perf_counter() - start)
    return times, failed


async def _until_confirmed_through_leaf(client: Any, timeout: float = 60) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            reply = await client.request(COMMAND, b'{"state":"ON"}', timeout=0.2)
            if json.loads(reply.data).get("ok"):
                return time.monotonic() - start
        except Exception:  # noqa: BLE001 (no responders, timeout, disconnected: keep asking)
            await asyncio.sleep(0.01)
    raise TimeoutError("the hub never reached the device again")


async def one_round(bench: Bench, count: int) -> dict[str, Any]:
    import nats  # noqa: PLC0415 (the benchmark venv's)

    servers = Servers(bench)
    device = bench.popen(
        [
            sys.executable,
            str(BENCH / "devices" / "nats_switch_device.py"),
            "--url",
            f"nats://127.0.0.1:{servers.home_port}",
        ],
        "device.log",
    )
    local = await nats.connect(f"nats://127.0.0.1:{servers.home_port}")
    remote = await nats.connect(
        f"nats://127.0.0.1:{servers.hub_port}",
        reconnect_time_wait=0.05,
        max_reconnect_attempts=-1,
        error_cb=_expected,  # refused reconnects while the hub is down
    )
    await _until_confirmed_through_leaf(remote)
    linked_local, lost_linked = await _round_trips(local, count)
    linked_remote, lost_remote = await _round_trips(remote, count)
    servers.stop_hub()
    down_local, lost_down = await _round_trips(local, count)
    t0 = time.monotonic()
    servers.hub = servers.start_hub()
    hub_back = time.monotonic() - t0 + await _until_confirmed_through_leaf(remote)
    await local.close()
    await remote.close()
    device.terminate()
    device.wait(10)
    return {
        "linked_local": linked_local,
        "linked_remote": linked_remote,
        "down_local": down_local,
        "not_confirmed": {"linked_local": lost_linked, "linked_remote": lost_remote, "down_local": lost_down},
        "hub_back_s": hub_back,
        "device_pid": device.pid,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, rounds = (300, 1) if args.quick else (2000, 3)
    results = []
    for index in range(rounds):
        with Bench(f"leaf-{index}") as bench:
            results.append(asyncio.run(one_round(bench, count)))
    rows = []
    for key, label in (
        ("linked_local", "from the home, hub linked"),
        ("linked_remote", "from the hub, through the leaf"),
        ("down_local", "from the home, hub down"),
    ):
        p50 = spread([pct(r[key], 50) for r in results])
        p99 = spread([pct(r[key], 99) for r in results])
        lost = sum(r["not_confirmed"][key] for r in results)
        rows.append(
            f"| {label} | {fmt_spread(p50, 1000)} | {fmt_spread(p99, 1000)} | {lost} of {count * rounds} |"
        )
    back = spread([r["hub_back_s"] for r in results])
    table = "\n".join(
        [
            f"Confirmed switch commands, {count} per case and round, {rounds} round(s): "
            "median (min–max) of rounds.",
            "",
            "| command | p50 ms | p99 ms | not confirmed |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Hub back: from starting the hub to a confirmed command from the hub through the leaf: "
            f"{fmt_spread(back, 1, 2)} s.",
        ]
    )
    print(table)
    save("leaf", {"count": count, "rounds": rounds, "results": results}, table)


if __name__ == "__main__":
    main()
