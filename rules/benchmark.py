"""Benchmark of security-group evaluation: 1,000 rules, the match at the end or none.

``helpdesk bench`` prints what :func:`run_rules_benchmark` returns. Timings live here,
not in pass/fail tests.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from rules.evaluator import evaluate_groups
from rules.flows import Flow, parse_flow
from rules.policies import SecurityGroup, parse_security_groups

RULES = 1000


def _group(rules: int) -> tuple[SecurityGroup, ...]:
    """One group whose first ``rules - 1`` rules never match the benchmark flows."""
    policies: list[dict[str, Any]] = []
    for i in range(rules - 1):
        # A mix of Port syntaxes and sources, none covering 443 from 203.0.113.0/24.
        port = ("8000-8010", "22", "3306,6379", "ALL")[i % 4]
        protocol = "UDP" if port == "ALL" else "TCP"
        policies.append(
            {
                "PolicyIndex": i,
                "Protocol": protocol,
                "Port": port,
                "CidrBlock": f"10.{i // 256 % 256}.{i % 256}.0/24",
                "Action": "ACCEPT",
            }
        )
    policies.append(
        {"PolicyIndex": rules - 1, "Protocol": "TCP", "Port": "443", "CidrBlock": "203.0.113.0/24", "Action": "ACCEPT"}
    )
    return parse_security_groups([{"SecurityGroupId": "sg-bench", "SecurityGroupPolicySet": {"Ingress": policies}}])


def _flows(count: int) -> list[Flow]:
    """Half match the last rule, half match nothing (implicit deny)."""
    flows = []
    for i in range(count):
        remote = f"203.0.113.{i % 250 + 1}" if i % 2 == 0 else f"198.51.100.{i % 250 + 1}"
        flows.append(parse_flow({"direction": "ingress", "protocol": "tcp", "port": 443, "remote": remote}))
    return flows


def run_rules_benchmark(flows: int = 2000, rules: int = RULES) -> dict[str, float]:
    """Evaluate ``flows`` flows against one group of ``rules`` rules.

    Returns:
        ``rules``, ``flows``, ``mean_us``, ``p50_us``, ``p99_us`` (microseconds per flow)
        and ``flows_per_s``.
    """
    groups = _group(rules)
    sample = _flows(flows)
    evaluate_groups(groups, sample[0])  # warm-up
    timings: list[float] = []
    start = time.perf_counter()
    for flow in sample:
        t0 = time.perf_counter_ns()
        evaluate_groups(groups, flow)
        timings.append((time.perf_counter_ns() - t0) / 1000)
    total = time.perf_counter() - start
    timings.sort()
    return {
        "rules": float(rules),
        "flows": float(flows),
        "mean_us": round(statistics.fmean(timings), 1),
        "p50_us": round(timings[len(timings) // 2], 1),
        "p99_us": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 1),
        "flows_per_s": round(flows / total, 1),
    }
