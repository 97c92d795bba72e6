"""Run the benchmarks by name: ``helpdesk bench [NAME ...]`` or ``python benchmarks/run.py [NAME ...]``.

With no name it runs the quick ones (a few minutes on two cores); ``all`` runs every one.
Each runs as its own process, with the Python environment it needs, and prints its own
figures. ``--list`` shows what each measures and prints.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Benchmark:
    """One benchmark script and what it prints."""

    script: str
    prints: str
    venv: str = ".venv"  # the environment whose Python runs it
    quick: bool = True  # part of the default run
    needs: str = ""  # what it needs besides the app's environment


BENCHMARKS: dict[str, Benchmark] = {
    "answer": Benchmark(
        "answer_bench.py",
        "POST /v1/answer over HTTP (helpdesk serve): cold start, p50/p99 and req/s at 1 and 8 clients, peak RSS",
    ),
    "rules": Benchmark(
        "rules_bench.py",
        "one group of 1,000 rules: decode+validate+evaluate in-process, evaluation alone, over HTTP (p50/p99)",
    ),
    "diagnose": Benchmark(
        "diagnose_bench.py", "diagnosing a case with 5 KB of pasted iptables, in-process (p50/p99 per step)"
    ),
    "nlu": Benchmark(
        "nlu_worst_case.py",
        "NLU CPU per message on adversarial inputs just under the message cap, per pipeline component",
        venv=".venv-rasa",
    ),
    "bot": Benchmark(
        "bot_bench.py",
        "Rasa start-to-ready, REST round trip p50/p95 per reply kind, Rasa and action-server RSS",
        quick=False,
        needs="a trained model (scripts/bot.sh train)",
    ),
    "deflection": Benchmark(
        "deflection_bench.py",
        "recording cost per turn (Rasa side and app side), dashboard queries over 1,000,000 turns",
        quick=False,
        needs="HELPDESK_TEST_POSTGRES_URL (scripts/postgres.sh start)",
    ),
    "load": Benchmark(
        "load.py", "64 connections for 60 s per target: closed loop or constant rate, p50/p99, CPU and RSS", quick=False
    ),
    "soak": Benchmark("soak.py", "memory over 10 minutes of steady load: first/last minute and slope", quick=False),
}


def run(names: list[str], extra: list[str]) -> int:
    """Run the named benchmarks in turn; the exit status is the first non-zero one."""
    status = 0
    for name in names:
        bench = BENCHMARKS[name]
        python = REPO / bench.venv / "bin" / "python"
        print(f"\n=== {name}: {bench.prints}" + (f" (needs {bench.needs})" if bench.needs else ""), flush=True)
        done = subprocess.run([str(python), str(REPO / "benchmarks" / bench.script), *extra], cwd=REPO, check=False)
        status = status or done.returncode
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}, or all")
    parser.add_argument("--list", action="store_true", help="what each benchmark measures, and stop")
    args, extra = parser.parse_known_args(argv)
    if args.list:
        for name, bench in BENCHMARKS.items():
            flags = "" if bench.quick else " [not in the default run]"
            print(f"{name:11} {bench.prints}{flags}")
        return 0
    names = list(BENCHMARKS) if args.names == ["all"] else args.names or [n for n, b in BENCHMARKS.items() if b.quick]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)} or all")
    return run(names, extra)


if __name__ == "__main__":
    sys.exit(main())
