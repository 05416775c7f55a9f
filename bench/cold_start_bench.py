"""Cold-start import time of each Lambda handler module against `import boto3` alone, each in a
fresh interpreter, measured in the same run; prints the median per handler and the ratio
(goal <= 2.5x), then the biggest import costs (`python -X importtime`).

Two conditions, both as a Lambda instance could meet them:
- `source`: no bytecode anywhere (an empty `-X pycache_prefix`, nothing written), as the bundle
  runs today: pip installs it `--no-compile` and /var/task is read-only, so every cold start
  compiles each module it imports.
- `bytecode`: compiled in advance (a prefix filled by a first, uncounted import).

Bounded: RUNS fresh interpreters per module and condition (default 5), about a minute.
Run: .venv/bin/python bench/cold_start_bench.py [RUNS]
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tctfmsg.core import resources

REPO_ROOT = Path(__file__).resolve().parents[1]
BASELINE = "boto3"
GOAL = 2.5
TIMEOUT_S = 120
# Times the import alone: the interpreter's own start is the same for every module.
_TIMED_IMPORT = (
    "import importlib, sys, time\n"
    "start = time.perf_counter()\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(time.perf_counter() - start)\n"
)


def handler_modules() -> list[str]:
    return sorted({spec.handler.split(":")[0] for spec in resources.FUNCTIONS})


def _environment() -> dict[str, str]:
    # As the function runs: settings read at import see an AWS target, nothing of this shell.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "TCTFMSG_TARGET": "aws",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "bench",
    }


def _python(prefix: Path, *args: str, writes: bool = False) -> subprocess.CompletedProcess[str]:
    env = _environment()
    if writes:
        del env["PYTHONDONTWRITEBYTECODE"]
    return subprocess.run(
        [sys.executable, "-X", f"pycache_prefix={prefix}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        cwd=REPO_ROOT,
        check=True,
    )


def import_seconds(module: str, prefix: Path) -> float:
    return float(_python(prefix, "-c", _TIMED_IMPORT, module).stdout)


def biggest_costs(module: str, prefix: Path, top: int = 10) -> list[tuple[str, float]]:
    """Top-level packages by their own import time (ms, exclusive, so they add up), from
    `python -X importtime`."""
    stderr = _python(prefix, "-X", "importtime", "-c", f"import {module}").stderr
    costs: dict[str, float] = {}
    for line in stderr.splitlines():
        # "import time:  self [us] | cumulative | imported package", nesting as indentation.
        fields = line.removeprefix("import time:").split("|")
        if (
            not line.startswith("import time:")
            or len(fields) != 3
            or not fields[0].strip().isdigit()
        ):
            continue
        package = fields[2].strip().split(".")[0]
        costs[package] = costs.get(package, 0.0) + int(fields[0]) / 1000
    return sorted(costs.items(), key=lambda item: -item[1])[:top]


def measure(modules: list[str], runs: int, prefix_of: dict[str, Path]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {m: [] for m in [BASELINE, *modules]}
    for _ in range(runs):  # interleaved, so load on the machine falls on all modules alike
        for module in times:
            times[module].append(import_seconds(module, prefix_of[module]))
    return times


def report(condition: str, times: dict[str, list[float]]) -> str:
    """Prints the medians and ratios; returns the slowest handler."""
    base = statistics.median(times[BASELINE])
    medians = {m: statistics.median(v) for m, v in times.items() if m != BASELINE}
    print(f"\n{condition}: median of {len(times[BASELINE])} fresh interpreters")
    print(f"  {'module':<36} {'ms':>8} {'ratio':>6}")
    print(f"  {'import ' + BASELINE:<36} {base * 1000:>8.1f} {1.0:>6.2f}")
    for module, median in medians.items():
        flag = "" if median / base <= GOAL else "  over the goal"
        print(f"  {module:<36} {median * 1000:>8.1f} {median / base:>6.2f}{flag}")
    return max(medians, key=lambda module: medians[module])


def print_costs(condition: str, module: str, prefix: Path) -> None:
    print(f"\nbiggest import costs, {condition}, {module} (ms of own import time, one run):")
    for package, ms in biggest_costs(module, prefix):
        print(f"  {package:<28} {ms:>8.1f}")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows in a log
    modules = handler_modules()
    everything = [BASELINE, *modules]
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty"  # never written: every import compiles from source
        slowest = report(
            "source (no bytecode)", measure(modules, runs, dict.fromkeys(everything, empty))
        )
        print_costs("source", slowest, empty)
        compiled = Path(tmp) / "compiled"
        for module in everything:
            _python(compiled, "-c", f"import {module}", writes=True)
        slowest = report(
            "bytecode (compiled in advance)",
            measure(modules, runs, dict.fromkeys(everything, compiled)),
        )
        print_costs("bytecode", slowest, compiled)


if __name__ == "__main__":
    main()
