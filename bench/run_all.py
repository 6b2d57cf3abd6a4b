"""Run every benchmark in turn (round trip and its hop-by-hop breakdown, ingest, cold start
+ memory, cold start from retained data with devices offline, firmware, ESPHome native API,
a leaf-node home losing its hub) and time each.

uv run python bench/run_all.py [--quick]
"""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys
import time

import common  # noqa: F401  (re-runs this script in the benchmark venv)

BENCH = Path(__file__).resolve().parent


def cpu_probe() -> float:
    """Seconds a 10-million-step Python loop takes: this machine's speed today.

    The same VM has run it in 0.4 s and in 2.6 s; absolute figures of runs
    with different probes are not comparable, ratios within one run are.
    """
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    quick = [a for a in sys.argv[1:] if a == "--quick"]
    print(f"CPU probe (10M-step Python loop): {cpu_probe():.2f} s", flush=True)
    timings = {}
    for name, script, extra in (
        ("roundtrip", "roundtrip", quick),
        ("roundtrip --hops", "roundtrip", [*quick, "--hops", "--rounds", "1"]),
        ("ingest", "ingest", quick),
        ("coldstart", "coldstart", quick),
        ("coldstart --retained", "coldstart", [*quick, "--retained"]),
        ("firmware", "firmware", quick),
        ("esphome_api", "esphome_api", quick),
        ("esphome_api --hops", "esphome_api", [*quick, "--hops", "--rounds", "1"]),
        ("leaf", "leaf", quick),
    ):
        print(f"\n=== {name} ===", flush=True)
        t0 = time.monotonic()
        subprocess.run([sys.executable, str(BENCH / f"{script}.py"), *extra], check=True)
        timings[name] = time.monotonic() - t0
    print(
        "\n"
        + ", ".join(f"{k}: {v:.0f} s" for k, v in timings.items())
        + f"; total {sum(timings.values()):.0f} s; CPU probe at the end: {cpu_probe():.2f} s"
    )


if __name__ == "__main__":
    main()
