"""Cold start and memory: N devices x 10 entities, from config-entry setup to every entity in HA
with its last state; HA process RSS growth per 1,000 entities. Fresh Home Assistant, fresh
registries, fresh servers for every run.

NATS Home has no JetStream retention yet: HA publishes `ha.status online` and a discovery
request at setup and the devices (one simulator process) answer with their announcement and
states, each after a random 0-1 s delay as the protocol recommends. MQTT: discovery configs and
states are retained on Mosquitto (one config per entity, the classic scheme) before setup.

    uv run python bench/coldstart.py [--quick]
"""

from __future__ import annotations

import argparse
import time

from common import Bench, fmt_spread, load_note, plt, png, save, spread

LABEL = {"nats": "NATS Home (discovery request, 0–1 s jitter)", "mqtt": "HA MQTT (retained discovery)"}
MIB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N = 100 only, 1 round")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--entities", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop (largest N)")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    sizes = args.sizes or ([100] if args.quick else [100, 1000])
    rounds = args.rounds or (1 if args.quick else 2)
    started = time.monotonic()
    runs: list[dict] = []
    for r in range(rounds):
        for n in sizes:
            for side in ("nats", "mqtt"):
                with Bench(f"cold-{side}-{n}", keep=args.keep or args.profile) as bench:
                    if side == "nats":
                        bench.start_nats()
                    else:
                        bench.start_mosquitto()
                    job = {
                        "kind": "coldstart",
                        "side": side,
                        "devices": n,
                        "entities": args.entities,
                        "timeout": 60,
                        "profile": [f"coldstart-{side}"]
                        if args.profile and n == max(sizes) and r == 0
                        else [],
                    }
                    res = bench.run_ha(job, f"{side}-{n}")
                    res["round"] = r
                    runs.append(res)
                    print(
                        f"  round {r + 1} {side} N={n}: all entities in {res['all_s']} s, "
                        f"RSS +{(res['rss_after'] - res['rss_before']) / MIB:.1f} MiB, "
                        f"foreign CPU {res['cpu']['foreign_cores']:.2f}",
                        flush=True,
                    )
    elapsed = time.monotonic() - started

    lines = [
        f"Cold start (fresh HA, empty registries; median (min–max) of {rounds} round(s)); "
        f"HA loop debug = {runs[0]['loop_debug']}",
        "",
        "| transport | devices × entities | first entity, s | all entities with last state, s | "
        "RSS growth, MiB | foreign CPU, cores |",
        "|---|---|---|---|---|---|",
    ]
    table_rows = {}
    for n in sizes:
        for side in ("nats", "mqtt"):
            rs = [x for x in runs if x["side"] == side and x["devices"] == n]
            ok = [x for x in rs if not x["timed_out"]]
            row = {
                "first": spread([x["first_s"] for x in rs if x["first_s"]])
                if any(x["first_s"] for x in rs)
                else None,
                "all": spread([x["all_s"] for x in ok]) if ok else None,
                "rss": spread([(x["rss_after"] - x["rss_before"]) / MIB for x in rs]),
                "timed_out": len(rs) - len(ok),
                "missing": [x.get("missing") for x in rs],
                "last_ready": [x.get("last_ready_s") for x in rs],
                "foreign": [x["cpu"]["foreign_cores"] for x in rs],
            }
            table_rows[f"{side}-{n}"] = row
            if row["timed_out"]:
                bad = [x for x in rs if x["timed_out"]]
                all_s = (
                    f"never in {len(bad)}/{len(rs)} run(s): {', '.join(str(x['missing']) for x in bad)} "
                    f"of {rs[0]['entities']} entities had no state after {job['timeout']} s "
                    f"(last state landed at {', '.join(f'{x["last_ready_s"]:.1f}' for x in bad)} s)"
                )
                if row["all"]:
                    all_s += f"; other runs {fmt_spread(row['all'])}"
            else:
                all_s = fmt_spread(row["all"])
            first = fmt_spread(row["first"]) if row["first"] else "-"
            lines.append(
                f"| {LABEL[side]} | {n} × {args.entities} | {first} | {all_s} | "
                f"{fmt_spread(row['rss'], digits=1)} | "
                f"{', '.join(load_note({'foreign_cores': f}) for f in row['foreign'])} |"
            )
    lines += [
        "",
        "Memory: HA process RSS growth per 1,000 entities (after gc, from before config-entry "
        "setup to all entities present):",
        "",
        "| transport | per 1,000 entities, MiB | how |",
        "|---|---|---|",
    ]
    memory = {}
    for side in ("nats", "mqtt"):
        if len(sizes) >= 2:
            lo, hi = min(sizes), max(sizes)
            d_rss = table_rows[f"{side}-{hi}"]["rss"]["median"] - table_rows[f"{side}-{lo}"]["rss"]["median"]
            per = d_rss / ((hi - lo) * args.entities) * 1000
            how = f"slope between N={lo} and N={hi} (fixed setup costs cancel)"
        else:
            n = sizes[0]
            per = table_rows[f"{side}-{n}"]["rss"]["median"] / (n * args.entities) * 1000
            how = f"growth at N={n} / entities (includes the integration's fixed setup cost)"
        memory[side] = per
        lines.append(f"| {LABEL[side].split(' (')[0]} | {per:.1f} | {how} |")
    lines += ["", f"Ratio NATS/MQTT memory per 1,000 entities: {memory['nats'] / memory['mqtt']:.2f}"]
    for n in sizes:
        a, b = table_rows[f"nats-{n}"]["all"], table_rows[f"mqtt-{n}"]["all"]
        if a and b:
            lines.append(f"Ratio NATS/MQTT cold start, N={n}: {a['median'] / b['median']:.2f}")
    table = "\n".join(lines)
    print(table)
    print(f"\n(took {elapsed:.0f} s)")
    save(
        "coldstart",
        {"args": vars(args), "rows": table_rows, "memory_per_1000": memory, "seconds": elapsed, "runs": runs},
        table,
    )
    pyplot = plt()
    if pyplot:
        fig, (ax1, ax2) = pyplot.subplots(1, 2, figsize=(9, 4))
        for i, side in enumerate(("nats", "mqtt")):
            xs = [n * args.entities for n in sizes]
            ys = [(table_rows[f"{side}-{n}"]["all"] or {"median": 0})["median"] for n in sizes]
            ax1.plot(xs, ys, marker="o", label=LABEL[side].split(" (")[0])
            ax2.bar(i, memory[side], 0.6)
        ax1.set_xlabel("entities")
        ax1.set_ylabel("s to all entities with state")
        ax1.set_title("Cold start")
        ax1.legend(fontsize=8)
        ax2.set_xticks([0, 1], ["NATS Home", "HA MQTT"])
        ax2.set_ylabel("MiB RSS per 1,000 entities")
        ax2.set_title("Memory")
        fig.tight_layout()
        fig.savefig(png("coldstart"), dpi=110)


if __name__ == "__main__":
    main()
