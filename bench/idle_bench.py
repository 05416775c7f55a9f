"""What an idle embedded stack costs (decision 0094): the CPU its processes use while nothing
happens, with the pollers' long polls (each wakes for a send to its own queue) against the
short polls they made before (a receive every 0.2 s, every 0.05 s on the transactional queue),
and the time one read-only CLI command takes against that stack.

    python bench/idle_bench.py [SECONDS] [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._stack import private_stack
from tctfmsg.local import state, supervisor

MODES = (("short polls (before)", "0"), ("long polls (now)", ""))
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _cli_s(home: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tctfmsg", "campaign", "list", "--json"],
        env={**os.environ, "TCTFMSG_HOME": home, "TCTFMSG_TARGET": "local"},
        capture_output=True,
        check=True,
        timeout=120,
    )
    return time.perf_counter() - started


def one_run(wait: str, seconds: float) -> tuple[float, float]:
    """(share of one core the idle stack used, seconds of one CLI command) on a fresh stack."""
    os.environ["TCTFMSG_LOCAL_POLL_WAIT_S"] = wait
    if not wait:
        del os.environ["TCTFMSG_LOCAL_POLL_WAIT_S"]
    with private_stack():
        home = os.environ["TCTFMSG_HOME"]
        directory = Path(home) / "local"
        daemon = state.read(directory)
        assert daemon is not None
        time.sleep(3.0)  # past the start-up
        deadline = time.monotonic() + 30
        while "aws" not in (health := supervisor.read(directory, daemon.pid)):
            assert time.monotonic() < deadline, "the stack wrote no health file"
            time.sleep(0.5)  # the daemon writes its components' health every few seconds
        pids = [daemon.pid, health["aws"]["pid"]]
        before, started = sum(_cpu_s(p) for p in pids), time.perf_counter()
        time.sleep(seconds)
        used = (sum(_cpu_s(p) for p in pids) - before) / (time.perf_counter() - started)
        cli = statistics.median(_cli_s(home) for _ in range(3))
    return used, cli


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    print(f"idle for {seconds:.0f} s per stack, {runs} runs (modes alternating)")
    results: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in MODES}
    for run in range(runs):
        for label, wait in MODES:
            used, cli = one_run(wait, seconds)
            results[label].append((used, cli))
            print(f"run {run + 1} {label}: idle stack {used:.1%} of a core, "
                  f"`campaign list` {cli:.2f} s")  # fmt: skip
    before, now = (results[label] for label, _ in MODES)
    for i in range(runs):
        print(f"run {i + 1}: idle CPU now / before = {now[i][0] / before[i][0]:.2f}")
    print(f"median idle CPU: before {statistics.median(u for u, _ in before):.1%}, now "
          f"{statistics.median(u for u, _ in now):.1%} of a core")  # fmt: skip


if __name__ == "__main__":
    main()
