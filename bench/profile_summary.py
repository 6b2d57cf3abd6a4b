"""Summarise the event-loop cProfile dumps that `--profile` leaves in the kept work dir.

uv run python bench/roundtrip.py --profile --rounds 1   # likewise ingest.py, coldstart.py
uv run python bench/profile_summary.py /tmp/nats-bench-*/profile-*.pstats
"""

from __future__ import annotations

import pstats
import sys

import common  # noqa: F401  (re-runs this script in the benchmark venv)


def main() -> None:
    for path in sys.argv[1:]:
        stats = pstats.Stats(path)
        total = stats.total_tt
        print(f"\n##### {path}: {total:.2f} s on the event loop thread")
        rows = []
        for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():
            short = file.split("site-packages/")[-1].split("custom_components/")[-1]
            rows.append((tt, ct, nc, f"{short}:{line}({func})"))
        print("top by own time:")
        for tt, ct, nc, name in sorted(rows, reverse=True)[:18]:
            print(f"  {tt / total:6.1%} own {ct / total:6.1%} cum {nc:>9} calls  {name}")
        print("integration and nats-py functions by cumulative time:")
        ours = [r for r in rows if r[3].startswith(("nats/", "nats_bench/")) or "/nats/" in r[3]]
        for tt, ct, nc, name in sorted(ours, key=lambda r: -r[1])[:18]:
            print(f"  {tt / total:6.1%} own {ct / total:6.1%} cum {nc:>9} calls  {name}")


if __name__ == "__main__":
    main()
