"""ESPHome host firmware controlled from Home Assistant: NATS Home vs ESPHome's native API.

Two host builds (ESPHome's host platform, gcc without -O) of examples/esphome/host.yaml:
as is (its `nats:` component, against a real nats-server, HA's `nats` integration), and
with its `external_components:` and `nats:` blocks replaced by `api:` (no encryption, a
fixed free port on 127.0.0.1, `batch_delay: 0ms`) under HA's own `esphome` integration.
One real Home Assistant (`hass -c`, asyncio debug off) holds both config entries; each
firmware is its own process. Measured: the round trip of switch.turn_on/turn_off on the
firmware's `Relay` switch (sides alternate, several rounds), each firmware's executable
size and its RSS idle once connected.

    uv run python bench/esphome_api.py [--quick] [--rounds R] [--n N] [--profile]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import re
import socket
import subprocess
import time
from typing import Any

from common import (
    Bench,
    fmt_spread,
    free_port,
    load_note,
    pct,
    per_command_spread,
    plt,
    png,
    save,
    spread,
    wait_port,
)
from firmware import HOST_YAML, ROOT, build, without_nats
from hops_report import HOPS_NOTE, breakdown, table as hops_table, trace_hops

BATCH_DELAY = "0ms"
"""ESPHome holds state messages for `batch_delay` (default 100 ms); 0 sends them at once."""
API_YAML = ROOT / ".esphome-build" / "bench" / "host-api.yaml"
SIDES = {
    "nats": "NATS Home (nats: component, confirmed by its state)",
    "api": f"HA esphome, native API (fire-and-forget, batch_delay {BATCH_DELAY})",
}
QS = (50, 95, 99)


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def api_yaml() -> tuple[Path, int]:
    """Write host.yaml with `api:` in place of the NATS blocks; keep the previous port while it
    is free, since the port is compiled in and a new one means a rebuild."""
    old = API_YAML.read_text() if API_YAML.exists() else ""
    found = re.search(r"^api:\n  port: (\d+)$", old, re.MULTILINE)
    port = int(found[1]) if found and _is_free(int(found[1])) else free_port()
    text = without_nats(HOST_YAML.read_text()) + f"api:\n  port: {port}\n  batch_delay: {BATCH_DELAY}\n"
    if text != old:
        API_YAML.parent.mkdir(parents=True, exist_ok=True)
        API_YAML.write_text(text)
    return API_YAML, port


def esphome_version() -> str:
    esphome = subprocess.run(
        [str(ROOT / "scripts" / "setup-esphome")], capture_output=True, text=True, check=True
    ).stdout.strip()
    return subprocess.run([esphome, "version"], capture_output=True, text=True, check=True).stdout.split()[-1]


def start_firmware(bench: Bench, binary: Path, side: str, **env: str) -> subprocess.Popen[bytes]:
    """Run a firmware in its own HOME (the host build keeps its preferences in ~/.esphome)."""
    home = bench.workdir / f"firmware-{side}"
    home.mkdir()
    return bench.popen(
        [str(binary)], f"firmware-{side}.log", env={**os.environ, "HOME": str(home), **env}, cwd=home
    )


def summarize(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rows = {}
    for side in SIDES:
        per_round = [r[side] for r in result["rounds"]]
        rows[side] = {
            "stats": {q: spread([pct(r["latencies"], q) for r in per_round]) for q in QS},
            "commands": sum(len(r["latencies"]) for r in per_round),
            "failures": sum(r["failures"] for r in per_round),
            "foreign": [r["cpu"]["foreign_cores"] for r in per_round],
            "attempts": [r["attempt"] for r in per_round],
            "ha": per_command_spread(per_round),
            "per_round": [{q: pct(r["latencies"], q) for q in QS} | {"cpu": r["cpu"]} for r in per_round],
        }
    return rows


def render(
    rows: dict[str, dict[str, Any]], sizes: dict[str, int], rss: dict[str, int], args: argparse.Namespace
) -> tuple[str, dict[int, float]]:
    rounds = len(rows["nats"]["foreign"])
    lines = [
        "ESPHome host firmware (examples/esphome/host.yaml; host build, gcc without -O) controlled "
        f"from Home Assistant: round trip of switch.turn_on/turn_off, ms: median of {rounds} rounds "
        f"(min–max over rounds); {args.n} commands per side per round after {args.warmup} warm-up, "
        "sides alternating. NATS Home's commands are confirmed (the firmware's new state, naming the "
        "command, answers it: protocol 1.7); the native API's are fire-and-forget (HA sends the "
        "command, the new state comes back as a separate state message; "
        f"`api: batch_delay: {BATCH_DELAY}`).",
        "",
        "| path | p50 | p95 | p99 | commands (failed) | foreign CPU, cores (per round) "
        "| executable | RSS idle, connected | HA loop iterations per command | HA CPU per command, µs "
        "| firmware CPU per command, µs |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for side, label in SIDES.items():
        row, s = rows[side], rows[side]["stats"]
        foreign = ", ".join(load_note({"foreign_cores": f}) for f in row["foreign"])
        lines.append(
            f"| {label} | {fmt_spread(s[50], 1e3)} | {fmt_spread(s[95], 1e3)} | {fmt_spread(s[99], 1e3)} "
            f"| {row['commands']} ({row['failures']}) | {foreign} | {sizes[side] / 1024:.0f} KiB "
            f"| {rss[side]} KiB | {row['ha']['loop_iterations']['median']:.1f} "
            f"| {row['ha']['cpu_us']['median']:.0f} | {row['ha']['device_cpu_us']['median']:.0f} |"
        )
    ratio = {q: rows["nats"]["stats"][q]["median"] / rows["api"]["stats"][q]["median"] for q in QS}
    lines += [
        "",
        f"Ratio NATS/ESPHome API (median round): p50 {ratio[50]:.2f}, p95 {ratio[95]:.2f}, "
        f"p99 {ratio[99]:.2f} (confirmed vs fire-and-forget, see above).",
        "End of a command = the service call has returned AND the new state is in hass.states.",
    ]
    return "\n".join(lines), ratio


def plot(rows: dict[str, dict[str, Any]]) -> None:
    pyplot = plt()
    if not pyplot:
        return
    fig, ax = pyplot.subplots(figsize=(8, 4.5))
    width = 0.38
    for i, (side, label) in enumerate(SIDES.items()):
        stats = [rows[side]["stats"][q] for q in QS]
        medians = [s["median"] * 1e3 for s in stats]
        errors = [
            [(s["median"] - s["min"]) * 1e3 for s in stats],
            [(s["max"] - s["median"]) * 1e3 for s in stats],
        ]
        xs = [x + (i - 0.5) * width for x in range(len(QS))]
        ax.bar(xs, medians, width, yerr=errors, capsize=4, label=label)
    ax.set_xticks(range(len(QS)), [f"p{q}" for q in QS])
    ax.set_ylabel("round trip, ms (median round; bars: min–max)")
    ax.set_title("ESPHome host firmware: switch command round trip from HA")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png("esphome_api"), dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="1 round of 300 commands after 50")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--n", type=int, help="commands per side per round (default 2000)")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop in round 1")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, profiles)")
    parser.add_argument(
        "--hops",
        action="store_true",
        help="time Home Assistant's side of each command (hops_report.py); saves only that breakdown",
    )
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.n = args.n or (300 if args.quick else 2000)
    args.warmup = args.warmup if args.warmup is not None else (50 if args.quick else 200)
    started = time.monotonic()
    yaml, api_port = api_yaml()
    binaries = {"nats": build(HOST_YAML), "api": build(yaml)}
    sizes = {side: binary.stat().st_size for side, binary in binaries.items()}
    with Bench("esphome_api", keep=args.keep or args.profile) as bench:
        bench.start_nats()
        server = f"127.0.0.1:{bench.nats_port}"
        firmwares = {
            "nats": start_firmware(bench, binaries["nats"], "nats", NATS_SERVER=server),
            "api": start_firmware(bench, binaries["api"], "api"),
        }
        wait_port(api_port, firmwares["api"], "the API firmware")
        # Home Assistant's connections, told apart by the server port they reach.
        hops = trace_hops(ports=(bench.nats_port, api_port)) if args.hops else None
        job = {
            "kind": "esphome_api",
            "n": args.n,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "api_port": api_port,
            "firmware_pids": {side: proc.pid for side, proc in firmwares.items()},
            # The firmware's CPU time per command: the component's parse, apply, reply and flush.
            "device_pids": {side: proc.pid for side, proc in firmwares.items()},
            "profile": [f"roundtrip-{s}" for s in SIDES] if args.profile else [],
        }
        result = bench.run_ha(job, "esphome_api")
        ports = {"nats": bench.nats_port, "api": api_port}
    elapsed = time.monotonic() - started
    if hops is not None:  # Home Assistant wrote its hops at exit, when the bench stopped it
        sides = breakdown(hops, ports=ports)
        text = (
            "ESPHome firmware command round trip, Home Assistant's side hop by hop "
            f"(esphome_api.py --hops; the firmware is not traced): {HOPS_NOTE}\n\n" + hops_table(sides, SIDES)
        )
        print(text)
        save("esphome_api-hops", {"sides": sides}, text)
        return

    rows = summarize(result)
    rss = result["firmware_idle_rss_kib"]
    table, ratio = render(rows, sizes, rss, args)
    print(table)
    print(f"\n(took {elapsed:.0f} s)")
    save(
        "esphome_api",
        {
            "args": vars(args),
            "esphome": esphome_version(),
            "api": {"port": api_port, "batch_delay": BATCH_DELAY, "encryption": False},
            "executable_bytes": sizes,
            "firmware_idle_rss_kib": rss,
            "entities": result["entities"],
            "rows": rows,
            "ratio": ratio,
            "loop_debug": result["loop_debug"],
            "seconds": elapsed,
        },
        table,
    )
    plot(rows)


if __name__ == "__main__":
    main()
