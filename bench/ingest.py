"""State ingest: 1,000 devices (one simulator process per transport) publishing state changes.

For each transport: the processed rate at saturation (a burst of --sat-count
updates as fast as the simulator can send; updates applied / time from the
first send to the last update applied, which for HA MQTT is its state write;
several rounds), then a descending ladder
of sustained rates (fractions of that ceiling, each held --seconds >= 20 s)
until one passes: every update applied by the integration, every entity ends
on the last value sent to it, the last state write < 1 s after the last send.
From the first step that passes, the ladder climbs (105/110/120/135/150 % of
that step's rate) until a step fails, stopping short of a rate that already
failed on the way down, so the figure is the limit and not a lower bound.

"Applied" is what the integration took in: for NATS Home the hub's count of
valid states (it coalesces an entity's HA writes, write_pacer.py, so HA's state
machine sees fewer events, counted as "HA writes"); for HA MQTT, which writes
every update, the state_changed events of the 1,000 entities.

    uv run python bench/ingest.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import Bench, fmt_spread, load_note, plt, png, save, spread

LABEL = {"nats": "NATS Home", "mqtt": "HA MQTT + Mosquitto"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1 saturation round of 5,000 updates, one 3 s ladder step (proves it runs: no verdict)",
    )
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--sat-count", type=int)
    parser.add_argument("--sat-rounds", type=int)
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop during saturation")
    parser.add_argument("--saturation-only", action="store_true", help="skip the sustained-rate ladder")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.quick else 20)
    # Long enough that NATS Home's last coalesced write (up to 0.5 s after the last send,
    # write_pacer.py) does not dominate the burst's time: several seconds at its rate.
    sat_count = args.sat_count or (5000 if args.quick else 150_000)
    sat_rounds = args.sat_rounds or (1 if args.quick else 3)
    ladder = [0.5] if args.quick else [0.95, 0.85, 0.7, 0.55, 0.4, 0.25]
    # Climbing from the ladder's first passing step, in this order, until a step fails or
    # reaches a rate that failed on the way down: the descending ladder's steps are far apart
    # (15 % of the saturation rate), and the sustained limit can even lie above the saturation
    # rate, whose short burst also pays for the first write of every entity.
    climb = [] if args.quick else [1.05, 1.1, 1.2, 1.35, 1.5]
    started = time.monotonic()
    with Bench("ingest", keep=args.keep or args.profile) as bench:
        bench.start_nats()
        bench.start_mosquitto()
        job = {
            "kind": "ingest",
            "devices": args.devices,
            "seconds": seconds,
            "sat_count": sat_count,
            "sat_rounds": sat_rounds,
            "fractions": [] if args.saturation_only else ladder,
            "climb": [] if args.saturation_only else climb,
            "profile": ["ingest-nats", "ingest-mqtt"] if args.profile else [],
        }
        result = bench.run_ha(job, "ingest", timeout=1500)
    elapsed = time.monotonic() - started

    summary = {}
    for side in ("nats", "mqtt"):
        sat = [s for s in result["saturation"] if s["side"] == side]
        ladder = result["ladders"][side]
        passed = [s for s in ladder if s["pass"]]
        summary[side] = {
            "saturation": spread([s["processed_rate"] for s in sat]),
            "sat_dropped": [s["dropped"] for s in sat],
            "sat_wrong": [s.get("wrong_final") for s in sat],
            "sat_foreign": [s["cpu"]["foreign_cores"] for s in sat],
            "sat_ha_share": [s["cpu"]["own_cores"] for s in sat],
            # Home Assistant's CPU time (every thread) per applied update, at saturation.
            "sat_cpu_us": spread([s["ha"]["cpu_us"] for s in sat if s["ha"]["cpu_us"] is not None]),
            # ... of which in the kernel (the socket's reads and writes).
            "sat_sys_us": [s["ha"].get("sys_us") for s in sat],
            # ... of which the garbage collector's, and its full collections (all of HA's heap).
            "sat_gc": [(s["ha"].get("gc_s"), s["ha"].get("gc_full")) for s in sat],
            "sustained": max(s["rate"] for s in passed) if passed else None,
            # Without a failed step above the highest pass, the limit is only bounded from below.
            "sustained_is_floor": bool(passed)
            and not any(not s["pass"] and s["rate"] > max(p["rate"] for p in passed) for s in ladder),
            "ladder": ladder,
        }
    lines = [
        f"State ingest, {args.devices} devices, HA loop debug = {result['loop_debug']}; "
        f"sustained runs {seconds:g} s each"
        + (" (--quick: too short for a verdict)" if seconds < 20 else ""),
        "",
        "| | processed rate at saturation, updates/s: median (min–max) | dropped at saturation "
        "(entities not at last value) | "
        "highest sustained rate: 0 dropped, all at last value, last write < 1 s | "
        "HA CPU per applied update at saturation, µs (of which kernel, per round) | "
        "foreign CPU, cores (saturation rounds) |",
        "|---|---|---|---|---|---|",
    ]
    for side in ("nats", "mqtt"):
        s = summary[side]
        sat = s["saturation"]
        sustained = (
            ("≥ " if s["sustained_is_floor"] else "") + f"{s['sustained']:,.0f}/s"
            if s["sustained"]
            else "none of the ladder passed"
        )
        lines.append(
            f"| {LABEL[side]} | {sat['median']:,.0f} ({sat['min']:,.0f}–{sat['max']:,.0f}) | "
            + ", ".join(f"{d} ({w})" for d, w in zip(s["sat_dropped"], s["sat_wrong"], strict=True))
            + f" | {sustained} | {fmt_spread(s['sat_cpu_us'], digits=1)} "
            f"({', '.join(str(k) for k in s['sat_sys_us'])}) | "
            f"{', '.join(load_note({'foreign_cores': f}) for f in s['sat_foreign'])} |"
        )
    ratio_sat = summary["nats"]["saturation"]["median"] / summary["mqtt"]["saturation"]["median"]
    ratio_sus = (
        summary["nats"]["sustained"] / summary["mqtt"]["sustained"]
        if summary["nats"]["sustained"] and summary["mqtt"]["sustained"]
        else None
    )
    ratio_cpu = summary["nats"]["sat_cpu_us"]["median"] / summary["mqtt"]["sat_cpu_us"]["median"]
    lines += [
        "",
        f"Ratio NATS/MQTT: saturation {ratio_sat:.2f}"
        + (f", sustained {ratio_sus:.2f}" if ratio_sus else "")
        + f", HA CPU per applied update {ratio_cpu:.2f}",
        "",
        "Home Assistant's garbage collection per saturation round, s (full collections): "
        + "; ".join(
            f"{LABEL[side]} " + ", ".join(f"{t} ({n})" for t, n in summary[side]["sat_gc"])
            for side in ("nats", "mqtt")
        ),
    ]
    lines += [
        "",
        "Sustained-rate ladder (descending until a step passes, then climbing from it by 5, 10, 20, 35 "
        "and 50 % until a step fails, short of a rate that failed on the way down; a climbing step "
        "the simulator could not send at its rate fails):",
        "",
        "| transport | asked, /s | achieved by simulator, /s | sent | applied | HA writes | dropped | "
        "entities not at their last value | last write after last send, s | pass | "
        "HA CPU per applied update, µs (of which kernel) | foreign CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for side in ("nats", "mqtt"):
        for s in summary[side]["ladder"]:
            lag = f"{s['lag_s']:.2f}" if s["lag_s"] is not None else "-"
            lines.append(
                f"| {LABEL[side]} | {s['rate']:,.0f} | {s['achieved_rate']:,.0f} | {s['sent']} | "
                f"{s.get('applied', s['seen'])} | {s['seen']} | {s['dropped']} | "
                f"{s.get('wrong_final', '-')} | {lag} | "
                f"{'yes' if s['pass'] else ('no (simulator short)' if s.get('sender_short') else 'no')} | "
                f"{s['ha']['cpu_us']} ({s['ha'].get('sys_us')}) | "
                f"{load_note(s['cpu'])} |"
            )
    table = "\n".join(lines)
    print(table)
    print(f"\n(took {elapsed:.0f} s)")
    save(
        "ingest",
        {
            "args": vars(args),
            "summary": summary,
            "ratio_saturation": ratio_sat,
            "ratio_sustained": ratio_sus,
            "ratio_cpu_per_update": ratio_cpu,
            "seconds": elapsed,
            "raw": result,
        },
        table,
    )
    pyplot = plt()
    if pyplot:
        fig, ax = pyplot.subplots(figsize=(7, 4))
        x = range(2)
        med = [summary[s]["saturation"]["median"] for s in ("nats", "mqtt")]
        err = [
            [m - summary[s]["saturation"]["min"] for m, s in zip(med, ("nats", "mqtt"), strict=True)],
            [summary[s]["saturation"]["max"] - m for m, s in zip(med, ("nats", "mqtt"), strict=True)],
        ]
        ax.bar([i - 0.2 for i in x], med, 0.4, yerr=err, label="processed at saturation")
        ax.bar(
            [i + 0.2 for i in x],
            [summary[s]["sustained"] or 0 for s in ("nats", "mqtt")],
            0.4,
            label="highest sustained, 0 dropped",
        )
        ax.set_xticks(list(x), [LABEL["nats"], LABEL["mqtt"]])
        ax.set_ylabel("state updates / s")
        ax.set_title(f"State ingest, {args.devices} devices")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(png("ingest"), dpi=110)
    _ = statistics


if __name__ == "__main__":
    main()
