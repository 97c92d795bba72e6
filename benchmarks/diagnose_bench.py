"""Diagnosing a case with 5 KB of pasted iptables output, in-process: p50 / p99.

    .venv/bin/python benchmarks/diagnose_bench.py [--runs 300]

Four figures per paste format:

* read only: ``evidence.read_evidence`` on the paste (the evidence reader and the rule
  engine's rule parser), for comparison;
* first turn: a message of a sentence and the 5 KB paste on a new case (split the
  message, read the paste, update the case, diagnose);
* next turn, cached: the case holding the paste sent back (the stored paste is read again
  from the in-process cache, as in a running app), diagnosed;
* next turn, cold: the same with the cache emptied each time (a fresh worker process).

Figures only; no pass/fail (timings belong in benchmarks, not tests). Aim: p50 <= 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diagnosis import Case, Diagnoser
from diagnosis.paste import reread
from evidence import read_evidence
from knowledge import load_knowledge

TARGET_BYTES = 5 * 1024


def iptables_s() -> str:
    """``iptables -S`` output of about 5 KB: a DROP policy, per-network service rules, a final REJECT."""
    lines = ["-P INPUT DROP", "-P FORWARD DROP", "-P OUTPUT ACCEPT", "-A INPUT -i lo -j ACCEPT"]
    lines.append("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
    i = 0
    while sum(len(line) + 1 for line in lines) < TARGET_BYTES - 60:
        lines.append(
            f'-A INPUT -s 10.{i}.0.0/16 -p tcp -m tcp --dport {8000 + i} -m comment --comment "svc{i}" -j ACCEPT'
        )
        i += 1
    lines.append("-A INPUT -p tcp -j REJECT --reject-with tcp-reset")
    return "\n".join(lines)


def iptables_l() -> str:
    """``iptables -L -n -v --line-numbers`` output of about 5 KB, as iptables 1.8 prints it."""
    head = "num   pkts bytes target     prot opt in     out     source               destination"
    lines = ["Chain INPUT (policy DROP 0 packets, 0 bytes)", head]
    n = 1
    lines.append(f"{n:<5}    0     0 ACCEPT     0    --  lo     *       0.0.0.0/0            0.0.0.0/0")
    while sum(len(line) + 1 for line in lines) < TARGET_BYTES - 300:
        n += 1
        net = f"10.{n}.0.0/16"
        lines.append(
            f"{n:<5}    0     0 ACCEPT     6    --  *      *       {net:<20} 0.0.0.0/0            tcp dpt:{8000 + n}"
        )
    n += 1
    lines.append(
        f"{n:<5}    0     0 REJECT     6    --  *      *       0.0.0.0/0            0.0.0.0/0            "
        "reject-with tcp-reset"
    )
    lines += [
        "",
        "Chain FORWARD (policy DROP 0 packets, 0 bytes)",
        head,
        "",
        "Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)",
        head,
    ]
    return "\n".join(lines)


def measure(runs: int, call: Callable[[], object]) -> tuple[float, float]:
    for _ in range(5):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def bench_paste(diagnoser: Diagnoser, name: str, text: str, runs: int) -> None:
    """Print the four figures for one paste."""
    message = "mysql 8443 连接超时，防火墙规则如下：\n" + text
    first = diagnoser.step(Case(), message)
    result = f"{first.cause} ({first.decided_by.label if first.decided_by else '-'})"
    held = first.case

    def follow_up(cold: bool) -> object:
        if cold:
            reread.cache_clear()
        return diagnoser.step(held, None)

    rows: tuple[tuple[str, Callable[[], object]], ...] = (
        ("read only", lambda: read_evidence(text)),
        ("first turn", lambda: diagnoser.step(Case(), message)),
        ("next turn, cached", lambda: follow_up(False)),
        ("next turn, cold", lambda: follow_up(True)),
    )
    for label, call in rows:
        p50, p99 = measure(runs, call)
        print(f"{name:<28} {len(text.encode()):>6} {label:<18} {p50:>8.2f} {p99:>8.2f}  {result}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    runs = parser.parse_args().runs
    diagnoser = Diagnoser.from_knowledge(load_knowledge())
    print(f"{'paste':<28} {'bytes':>6} {'turn':<18} {'p50 ms':>8} {'p99 ms':>8}  result")
    for name, text in (("iptables -S", iptables_s()), ("iptables -L -n -v --line-n", iptables_l())):
        bench_paste(diagnoser, name, text, runs)


if __name__ == "__main__":
    main()
