"""Start-up of the `hub` command: wall time and peak memory of simple commands against
`python -c pass` in the same run (and against the whole command tree built eagerly, as
every command did before the root became lazy).

    python -m bench.cli_startup [--repeat 7]

Prints medians and ratios; last line `help_s=.. stock_report_s=.. python_s=..
help_ratio=.. stock_report_ratio=..`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(done.stdout.strip() or 0) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env["HUB_DATABASE_URL"] = f"sqlite:///{cwd / 'hub.db'}"
        subprocess.run([py, "-m", "hub", "migrate"], cwd=cwd, env=env, check=True)
        subprocess.run(
            [py, "-m", "hub", "tenant", "add", "default", "Default"],
            cwd=cwd,
            env=env,
            capture_output=True,
        )
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "hub --help": [py, "-m", "hub", "--help"],
            "hub stock report (empty)": [py, "-m", "hub", "stock", "report"],
            "eager tree --help (before)": [
                py,
                "-c",
                "import sys; from hub.cli.app import build; sys.argv=['hub','--help'];"
                " build()(prog_name='hub')",
            ],
        }
        results: dict[str, tuple[float, float]] = {}
        for name, argv in cases.items():
            _run(argv, cwd, env)  # warm the file cache
            runs = [_run(argv, cwd, env) for _ in range(args.repeat)]
            results[name] = (
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
            )
    base = results["python -c pass"][0]
    print(f"# {'command':<28} {'median s':>9} {'peak MB':>8} {'x python':>9}")
    for name, (seconds, mb) in results.items():
        print(f"  {name:<28} {seconds:>9.3f} {mb:>8.1f} {seconds / base:>9.1f}")
    help_s, report_s = results["hub --help"][0], results["hub stock report (empty)"][0]
    print(
        f"help_s={help_s:.3f} stock_report_s={report_s:.3f} python_s={base:.3f} "
        f"help_ratio={help_s / base:.1f} stock_report_ratio={report_s / base:.1f}"
    )


if __name__ == "__main__":
    main()
