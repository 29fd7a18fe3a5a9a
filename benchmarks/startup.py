"""1. Cold start to the first frame, paired with a minimal Textual app."""

from __future__ import annotations

import subprocess
import sys

from benchmarks.harness import ROOT, Figure, median, user_environment


def bench_startup(runs: int) -> list[Figure]:
    env = user_environment()  # bytecode cached, as on a user's machine after the first run

    def probe(mode: str) -> float:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.probe_startup", mode],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env=env,
        )
        return float(out.stdout.strip().splitlines()[-1])

    minimal, first, data = [], [], []
    probe("minimal")  # warm the file and bytecode caches once for all
    probe("replay-data")
    for _ in range(runs):  # interleaved, so that a noisy moment hits all three alike
        minimal.append(probe("minimal"))
        first.append(probe("replay"))
        data.append(probe("replay-data"))
    ratio = median(first) / median(minimal)
    ratio_data = median(data) / median(minimal)
    return [
        Figure(
            "cold start to first painted frame, bundled replay",
            median(first),
            "ms",
            median(minimal),
            "minimal Textual app to first frame",
            "(headless; target on a pty)",
            True,
            f"ratio {ratio:.2f}x, {runs} runs each, medians",
        ),
        Figure(
            "cold start to first frame showing the night's data",
            median(data),
            "ms",
            median(minimal),
            "minimal Textual app to first frame",
            "(no target)",
            True,
            f"ratio {ratio_data:.2f}x",
        ),
    ]


# Shared: an app holding 400 councils --------------------------------------------------------
