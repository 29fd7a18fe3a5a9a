"""Speed and memory of election-night against its targets.

    uv run python -m benchmarks [--quick] [--only NAME ...]

Each figure is measured beside a reference taken in the same run on the same machine, so
that the numbers mean something on a shared, noisy machine; each is printed with the share
of the machine's CPU time the hypervisor gave to other guests while it ran ("steal"), the
noise no reference cancels. Prints a table and writes JSON lines (name, value, unit,
reference, target, met, steal_pct) to benchmarks/results/latest.jsonl.
The method and the latest figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict

from benchmarks.declaration import bench_declaration_and_filter
from benchmarks.harness import RESULTS, ROOT, Figure, cpu_jiffies, steal_between
from benchmarks.idle import bench_idle_cpu
from benchmarks.map import bench_map
from benchmarks.national import bench_national, national_memory_probe
from benchmarks.night import bench_night, minimal_memory_probe, night_probe
from benchmarks.poll import bench_poll_and_validate
from benchmarks.pollers import bench_pollers
from benchmarks.startup import bench_startup
from benchmarks.startup_pty import bench_startup_pty
from benchmarks.wards import bench_ward_declarations

BENCHES: dict[str, Callable[[argparse.Namespace], list[Figure]]] = {
    "startup": lambda a: bench_startup(3 if a.quick else 11),
    "pty": lambda a: bench_startup_pty(3 if a.quick else 11),
    "declaration": lambda a: asyncio.run(bench_declaration_and_filter(40 if a.quick else 120)),
    "night": lambda a: bench_night(),
    "wards": lambda a: asyncio.run(bench_ward_declarations(40 if a.quick else 120)),
    "poll": lambda a: asyncio.run(bench_poll_and_validate(50 if a.quick else 200)),
    "idle": lambda a: asyncio.run(bench_idle_cpu(15 if a.quick else 60)),
    "map": lambda a: asyncio.run(bench_map(20 if a.quick else 60)),
    "pollers": lambda a: bench_pollers(2 if a.quick else 5),
    "national": lambda a: asyncio.run(bench_national(20 if a.quick else 60)),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer samples, 15 s idle run")
    parser.add_argument("--only", nargs="*", choices=list(BENCHES))
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe = {
            "night": night_probe,
            "minimal-memory": minimal_memory_probe,
            "national-memory": national_memory_probe,
        }[args.probe]
        print(json.dumps(probe()))
        return 0
    os.environ.setdefault("ELECTION_NIGHT_CONFIG_DIR", tempfile.mkdtemp())
    figures: list[Figure] = []
    for name in args.only or list(BENCHES):
        print(f"running {name} …", file=sys.stderr)
        before = cpu_jiffies()
        measured = BENCHES[name](args)
        steal = steal_between(before, cpu_jiffies())
        for figure in measured:
            figure.steal_pct = steal
        figures.extend(measured)
    RESULTS.parent.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with RESULTS.open("w", encoding="utf-8") as handle:
        for figure in figures:
            handle.write(json.dumps({"at": stamp, **asdict(figure)}) + "\n")
    print(f"\n{'figure':<78} {'value':>10}  {'reference':>22}  {'target':<18} met")
    for figure in figures:
        reference = f"{figure.reference:.2f}" if figure.reference is not None else "—"
        print(
            f"{figure.name[:78]:<78} {figure.value:>8.2f} {figure.unit:<4} "
            f"{reference:>18}  {figure.target:<18} {'yes' if figure.met else 'NO'}"
        )
        steal = f"; steal {figure.steal_pct:.0f} %" if figure.steal_pct is not None else ""
        if figure.note or steal:
            note = f"{figure.note}; " if figure.note else ""
            print(f"    {note}reference: {figure.reference_name or '—'}{steal}")
    print(f"\nJSON lines: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
