"""Command round trip: HA service call -> device -> reply/state -> HA state updated.

NATS Home (confirmed commands) side by side with HA's own MQTT integration
(MQTT discovery, Mosquitto, fire-and-forget), plus three floors: raw
request-reply to the same device with nats-py and with the project's own
client, and an in-memory HA switch (no transport).
Everything runs in one real Home Assistant process (`hass -c`, asyncio debug
off); each device is its own process.

    uv run --group bench python bench/roundtrip.py [--quick] [--rounds R] [--n N]
"""

from __future__ import annotations

import argparse
from pathlib import Path
import time

from common import Bench, fmt_spread, load_note, pct, per_command_spread, plt, png, save, spread
from hops_report import HOPS_NOTE, breakdown, table, trace_hops

SIDES = {
    "nats": "NATS Home (confirmed by the device's state)",
    "mqtt": "HA MQTT + Mosquitto (fire-and-forget)",
    "raw_nats": "floor: raw nats-py request-reply",
    "raw_own": "floor: raw request-reply, own client",
    "memory": "floor: in-memory HA switch",
}


def _median(values: dict[str, float] | None, spec: str) -> str:
    return "–" if values is None else format(values["median"], spec)


def _report_hops(directory: Path) -> None:
    result = breakdown(directory, devices={"nats": "nats_switch_device.py", "mqtt": "mqtt_switch_device.py"})
    text = f"Command round trip, hop by hop (roundtrip.py --hops): {HOPS_NOTE}\n\n" + table(result, SIDES)
    print(text)
    save("roundtrip-hops", {"sides": result}, text)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round of 300 commands after 50 (proves it runs: no figures)"
    )
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--n", type=int, help="commands per side per round (default 2000)")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop in round 1")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs, profiles)")
    parser.add_argument(
        "--hops",
        action="store_true",
        help="time each hop of a command in every process (hops_report.py); saves only that breakdown",
    )
    args = parser.parse_args()
    hops = trace_hops(markers=("benchsw.switch.relay", "benchmqtt/relay")) if args.hops else None
    rounds = args.rounds or (1 if args.quick else 5)
    args.n = args.n or (300 if args.quick else 2000)
    args.warmup = args.warmup if args.warmup is not None else (50 if args.quick else 200)
    started = time.monotonic()
    with Bench("roundtrip", keep=args.keep or args.profile) as bench:
        bench.start_nats()
        bench.start_mosquitto()
        nats_device = bench.start_device("nats_switch_device.py", "--url", bench.nats_url)
        mqtt_device = bench.start_device("mqtt_switch_device.py", "--port", str(bench.mqtt_port))
        job = {
            "kind": "roundtrip",
            "n": args.n,
            "warmup": args.warmup,
            "rounds": rounds,
            "profile": [f"roundtrip-{s}" for s in SIDES] if args.profile else [],
            # Whose CPU time a command costs on the far side of the broker.
            "device_pids": {
                "nats": nats_device.pid,
                "raw_nats": nats_device.pid,
                "raw_own": nats_device.pid,
                "mqtt": mqtt_device.pid,
            },
        }
        result = bench.run_ha(job, "roundtrip")
    elapsed = time.monotonic() - started
    if hops is not None:  # every process has written its hops at exit, when the bench stopped it
        _report_hops(hops)
        return

    rows = {}
    for side in SIDES:
        per_round = [r[side] for r in result["rounds"]]
        stats = {q: spread([pct(r["latencies"], q) for r in per_round]) for q in (50, 95, 99)}
        rows[side] = {
            "stats": stats,
            "commands": sum(len(r["latencies"]) for r in per_round),
            "failures": sum(r["failures"] for r in per_round),
            "foreign": [r["cpu"]["foreign_cores"] for r in per_round],
            "attempts": [r["attempt"] for r in per_round],
            "ha": per_command_spread(per_round),
            "per_round": [
                {q: pct(r["latencies"], q) for q in (50, 95, 99)} | {"cpu": r["cpu"]} for r in per_round
            ],
        }
    lines = [
        f"Command round trip, ms: median of {rounds} rounds (min–max over rounds); "
        f"{args.n} commands per side per round; HA loop debug = {result['loop_debug']}",
        "",
        "| path | p50 | p95 | p99 | commands (failed) | foreign CPU, cores (per round) "
        "| HA loop iterations per command | HA CPU per command, µs | device CPU per command, µs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for side, label in SIDES.items():
        row = rows[side]
        s = row["stats"]
        foreign = ", ".join(load_note({"foreign_cores": f}) for f in row["foreign"])
        ha = row["ha"]
        # The raw floor does not go through Home Assistant: its loop only idles meanwhile.
        in_ha = not side.startswith("raw_")
        lines.append(
            f"| {label} | {fmt_spread(s[50], 1e3)} | {fmt_spread(s[95], 1e3)} | {fmt_spread(s[99], 1e3)} "
            f"| {row['commands']} ({row['failures']}) | {foreign} "
            f"| {_median(ha['loop_iterations'], '.1f') if in_ha else '–'} "
            f"| {_median(ha['cpu_us'], '.0f') if in_ha else '–'} | {_median(ha['device_cpu_us'], '.0f')} |"
        )
    ratio = {q: rows["nats"]["stats"][q]["median"] / rows["mqtt"]["stats"][q]["median"] for q in (50, 95, 99)}
    lines += [
        "",
        f"Ratio NATS/MQTT (median round): p50 {ratio[50]:.2f}, p95 {ratio[95]:.2f}, p99 {ratio[99]:.2f} — "
        "NATS Home's path is confirmed (the device's new state, naming the command, answers it: "
        "protocol 1.7); "
        "MQTT's is unconfirmed (fire-and-forget publish, state comes back on the state topic).",
        "End of a command = the service call has returned AND the new state is in hass.states.",
    ]
    table = "\n".join(lines)
    print(table)
    print(f"\n(took {elapsed:.0f} s)")
    save(
        "roundtrip",
        {
            "args": vars(args),
            "rows": rows,
            "ratio": ratio,
            "loop_debug": result["loop_debug"],
            "seconds": elapsed,
        },
        table,
    )
    pyplot = plt()
    if pyplot:
        fig, ax = pyplot.subplots(figsize=(8, 4.5))
        for side, label in SIDES.items():
            values = sorted(v * 1e3 for r in result["rounds"] for v in r[side]["latencies"])
            ax.plot(values, [i / len(values) for i in range(len(values))], label=label)
        ax.set_xscale("log")
        ax.set_xlabel("round trip, ms (log)")
        ax.set_ylabel("fraction of commands")
        ax.set_title("Command round trip (all rounds)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(png("roundtrip"), dpi=110)


if __name__ == "__main__":
    main()
