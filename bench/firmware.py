"""ESPHome firmware figures: host build size with and without `nats:`, RSS idle and under load.

    uv run python bench/firmware.py [--seconds 20] [--rate 100]

Builds examples/esphome/host.yaml and a copy without its `external_components:`
and `nats:` blocks (same entities otherwise) for ESPHome's host platform, then
runs the NATS build against a real nats-server and samples its resident memory
idle and while it answers `rate` commands per second (switch toggles, each a
confirmed request-reply). ESPHome's host build passes no -O flag (gcc -O0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import re
import subprocess
import sys
import tempfile
import time

import nats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.nats_server import NatsServer  # noqa: E402

HOST_YAML = ROOT / "examples" / "esphome" / "host.yaml"
RESULTS = Path(os.environ.get("NATS_BENCH_RESULTS", ROOT / "bench" / "results"))
DEVICE = "nats-host-demo"


def build(yaml: Path) -> Path:
    """Build a host firmware and return the executable."""
    out = subprocess.run(
        [str(ROOT / "scripts" / "build-host-firmware"), str(yaml)], capture_output=True, text=True, check=True
    )
    return Path(out.stdout.strip().splitlines()[-1])


def without_nats(text: str) -> str:
    """Drop the top-level external_components: and nats: blocks of a YAML."""
    kept, skipping = [], False
    for line in text.splitlines():
        if re.match(r"^[A-Za-z_]", line):
            skipping = line.startswith(("external_components:", "nats:"))
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


def rss_kib(pid: int) -> tuple[int, int]:
    """Return (VmRSS, VmHWM) of a process in KiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def measure(binary: Path, seconds: float, rate: int) -> dict[str, object]:
    """Run the firmware against a server: RSS idle, then under `rate` commands/s."""
    with tempfile.TemporaryDirectory() as tmp:
        server = NatsServer(Path(tmp))
        server.start()
        env = {**os.environ, "NATS_SERVER": f"127.0.0.1:{server.port}", "HOME": tmp}
        firmware = subprocess.Popen(  # noqa: ASYNC220 (started once, before measuring)
            [str(binary)], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = await nats.connect(server.url)
        try:
            subject = f"home.devices.{DEVICE}.switch.relay.command"
            deadline = time.monotonic() + 15
            while True:
                try:
                    await client.request(subject, b'{"state":"OFF"}', timeout=1)
                    break
                except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)
            await asyncio.sleep(5)
            idle = rss_kib(firmware.pid)
            sent = failed = 0
            start = time.monotonic()
            while (elapsed := time.monotonic() - start) < seconds:
                target = start + sent / rate
                if target > time.monotonic():
                    await asyncio.sleep(target - time.monotonic())
                state = "ON" if sent % 2 == 0 else "OFF"
                try:
                    reply = json.loads(
                        (await client.request(subject, f'{{"state":"{state}"}}'.encode(), timeout=2)).data
                    )
                    failed += not reply.get("ok")
                except nats.errors.Error:
                    failed += 1
                sent += 1
            loaded = rss_kib(firmware.pid)
            return {
                "idle_rss_kib": idle[0],
                "loaded_rss_kib": loaded[0],
                "peak_rss_kib": loaded[1],
                "commands": sent,
                "failed": failed,
                "achieved_rate": round(sent / elapsed, 1),
            }
        finally:
            await client.close()
            firmware.terminate()
            firmware.wait(timeout=10)
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument(
        "--quick", action="store_true", help="3 s of commands, no build without nats: (proves it runs)"
    )
    args = parser.parse_args()
    with_nats = build(HOST_YAML)
    sizes = {"with_nats_bytes": with_nats.stat().st_size, "without_nats_bytes": 0}
    if not args.quick:  # the size comparison needs a second build (about 40 s)
        plain_yaml = ROOT / ".esphome-build" / "bench" / "host-without-nats.yaml"
        plain_yaml.parent.mkdir(parents=True, exist_ok=True)
        plain_yaml.write_text(without_nats(HOST_YAML.read_text()))
        sizes["without_nats_bytes"] = build(plain_yaml).stat().st_size
    run = asyncio.run(measure(with_nats, args.seconds or (3 if args.quick else 20), args.rate))
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **sizes, **run}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "firmware.json").write_text(json.dumps(result, indent=2) + "\n")
    delta = sizes["with_nats_bytes"] - sizes["without_nats_bytes"]
    plain, cost = "– (--quick)", "–"
    if sizes["without_nats_bytes"]:
        plain, cost = f"{sizes['without_nats_bytes'] / 1024:.0f} KiB", f"{delta / 1024:.0f} KiB"
    table = (
        "ESPHome host firmware (examples/esphome/host.yaml; host build, gcc without -O)\n\n"
        "| figure | value |\n|---|---|\n"
        f"| executable with `nats:` | {sizes['with_nats_bytes'] / 1024:.0f} KiB |\n"
        f"| executable without `nats:` (same entities) | {plain} |\n"
        f"| cost of the component | {cost} |\n"
        f"| RSS idle (connected, announced) | {run['idle_rss_kib']} KiB |\n"
        f"| RSS after {run['commands']} commands at {run['achieved_rate']}/s | {run['loaded_rss_kib']} KiB "
        f"(peak {run['peak_rss_kib']} KiB, {run['failed']} failed) |\n"
    )
    (RESULTS / "firmware.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
