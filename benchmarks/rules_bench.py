"""Benchmark of security-group evaluation: one group of 1,000 rules, printed as p50/p99.

    .venv/bin/python benchmarks/rules_bench.py [--rules 1000] [--repeat 500] [--no-http]

``helpdesk bench rules`` runs it too. Three measures, each for the
match at the first rule, at the last rule, and at none (the implicit deny), and for two
bodies: ``decisive`` (only the fields that decide: PolicyIndex, Protocol, Port,
CidrBlock, Action) and ``api`` (every field DescribeSecurityGroupPolicies returns, with
a description and ModifyTime):

1. parse + evaluate in-process, through the route's own code path: the raw body decoded
   by ``api.schemas_rules.decode_evaluate_body``, validated and evaluated by
   ``RuleEngine.evaluate_body``, the answer built by ``EvaluateResponse.of`` and
   serialized; what the server spends apart from HTTP;
2. evaluation alone: ``RuleEngine.evaluate`` and ``evaluate_groups`` on a parsed request;
3. over HTTP: ``POST /v1/security-groups/evaluate`` against a real uvicorn (``helpdesk
   serve``, one worker) started here, timed at the client over one keep-alive connection.

Figures print next to the ones measured before issue 11 (``BEFORE``). Timings live here,
not in pass/fail tests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.measure import free_port, percentile  # noqa: E402

RULES = 1000
CASES = {"first rule": ("10.0.0.5", 8005), "last rule": ("203.0.113.9", 443), "no rule": ("198.51.100.9", 443)}
# p50 / p99 ms before issue 11 (commit 1f14e48, the same bodies and method, load average ~3 on
# 2 cores): in-process = pydantic's EvaluateRequest, evaluate_request and the answer serialized.
BEFORE = {
    "in-process (decisive body)": {"first rule": (13.7, 31.6), "last rule": (14.3, 38.9), "no rule": (14.9, 38.1)},
    "in-process (api body)": {"first rule": (20.6, 74.8), "last rule": (21.6, 86.5), "no rule": (20.4, 43.7)},
    "evaluate_groups (api body)": {"first rule": (0.008, 0.010), "last rule": (0.49, 1.03), "no rule": (0.48, 0.65)},
    "HTTP client-side (decisive body)": {
        "first rule": (16.4, 109.1),
        "last rule": (24.8, 196.7),
        "no rule": (24.2, 144.6),
    },
    "HTTP client-side (api body)": {"first rule": (22.5, 113.2), "last rule": (24.5, 120.6), "no rule": (24.3, 124.9)},
}


def policy(index: int, protocol: str, port: str, cidr: str, api_shape: bool) -> dict[str, Any]:
    """One rule, with only the deciding fields or as the API returns it."""
    rule: dict[str, Any] = {
        "PolicyIndex": index,
        "Protocol": protocol,
        "Port": port,
        "CidrBlock": cidr,
        "Action": "ACCEPT",
    }
    if api_shape:
        rule |= {
            "ServiceTemplate": {"ServiceId": "", "ServiceGroupId": ""},
            "Ipv6CidrBlock": "",
            "SecurityGroupId": "",
            "AddressTemplate": {"AddressId": "", "AddressGroupId": ""},
            "PolicyDescription": f"rule {index}",
            "ModifyTime": "2024-05-01 10:00:00",
        }
    return rule


def body(rules: int, remote: str, port: int, api_shape: bool) -> bytes:
    """One group whose first ``rules - 1`` rules never match 443 from 203.0.113.0/24, then one that does."""
    policies = []
    for i in range(rules - 1):
        ports = ("8000-8010", "22", "3306,6379", "ALL")[i % 4]  # a mix of Port syntaxes
        protocol = "UDP" if ports == "ALL" else "TCP"
        policies.append(policy(i, protocol, ports, f"10.{i // 256 % 256}.{i % 256}.0/24", api_shape))
    policies.append(policy(rules - 1, "TCP", "443", "203.0.113.0/24", api_shape))
    group = {"SecurityGroupId": "sg-bench001", "SecurityGroupPolicySet": {"Version": "1", "Ingress": policies}}
    flow = {"direction": "ingress", "protocol": "tcp", "port": port, "remote": remote}
    return json.dumps({"security_groups": [group], "flow": flow}).encode()


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(p50, p99) in ms of ``repeat`` calls after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        times.append((time.perf_counter_ns() - start) / 1e6)
    return statistics.median(times), percentile(times, 99)


def in_process(rules: int = RULES, repeat: int = 500) -> dict[str, dict[str, tuple[float, float]]]:
    """Figures of measures 1 and 2, as ``{measure: {case: (p50, p99)}}``."""
    from knowledge import load_knowledge
    from rules import RuleEngine

    engine = RuleEngine.from_knowledge(load_knowledge())
    figures: dict[str, dict[str, tuple[float, float]]] = {}
    for shape in ("decisive", "api"):
        for case, (remote, port) in CASES.items():
            raw = body(rules, remote, port, shape == "api")
            for name, figure in _in_process_case(engine, raw, repeat).items():
                figures.setdefault(f"{name} ({shape} body)", {})[case] = figure
    return figures


def _in_process_case(engine: Any, raw: bytes, repeat: int) -> dict[str, tuple[float, float]]:
    from api.schemas_rules import EvaluateResponse, decode_evaluate_body
    from rules import evaluate_groups, parse_evaluate_body

    def route() -> bytes:
        decision = engine.evaluate_body(decode_evaluate_body(raw, "application/json"))
        return EvaluateResponse.of(decision).model_dump_json().encode()

    request = parse_evaluate_body(decode_evaluate_body(raw, "application/json"))
    return {
        "in-process: decode, validate, evaluate, answer": timed(route, repeat),
        "  of which decoding the JSON": timed(lambda: decode_evaluate_body(raw, "application/json"), repeat),
        "evaluation alone: engine.evaluate": timed(
            lambda: engine.evaluate(request.groups, request.flow, request.lookups), repeat * 4
        ),
        "evaluation alone: evaluate_groups": timed(lambda: evaluate_groups(request.groups, request.flow), repeat * 4),
    }


def over_http(rules: int = RULES, repeat: int = 500) -> dict[str, dict[str, tuple[float, float]]]:
    """Figures of measure 3: a real uvicorn (``helpdesk serve``, one worker), timed at the client."""
    from benchmarks.answer_bench import start_server

    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            "HELPDESK_WORKERS": "1",
            "HELPDESK_DATA_DIR": data_dir,
            "HELPDESK_INDEX_DIR": os.environ.get("HELPDESK_INDEX_DIR", str(REPO / "var" / "index")),
            "HELPDESK_RATE_LIMIT": "off",
        }
        server, _ = start_server(port, env)
        try:
            figures: dict[str, dict[str, tuple[float, float]]] = {}
            for shape in ("decisive", "api"):
                for case, (remote, flow_port) in CASES.items():
                    raw = body(rules, remote, flow_port, shape == "api")
                    figures.setdefault(f"HTTP client-side ({shape} body)", {})[case] = _post_many(port, raw, repeat)
            return figures
        finally:
            server.terminate()
            server.wait(timeout=10)


def _post_many(port: int, raw: bytes, repeat: int) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}

    def post() -> None:
        conn.request("POST", "/v1/security-groups/evaluate", raw, headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"the app answered {response.status}")

    try:
        for _ in range(20):  # warm-up
            post()
        return timed(post, repeat)
    finally:
        conn.close()


def run_rules_benchmark(
    rules: int = RULES, repeat: int = 500, http: bool = True
) -> dict[str, dict[str, tuple[float, float]]]:
    """Every figure, as ``{measure: {case: (p50 ms, p99 ms)}}``."""
    figures = in_process(rules, repeat)
    if http:
        figures |= over_http(rules, repeat)
    return figures


def print_rules_benchmark(console: Any, rules: int = RULES, repeat: int = 500, http: bool = True) -> None:
    """Print the figures as a table (``console`` is a rich Console), next to the figures before issue 11."""
    from rich.table import Table

    figures = run_rules_benchmark(rules, repeat, http)
    table = Table("measure", *CASES, title=f"security-group evaluation: one group of {rules:,} rules, p50 / p99 ms")
    for name, by_case in figures.items():
        table.add_row(name, *(f"{by_case[c][0]:.3f} / {by_case[c][1]:.3f}" for c in CASES))
    for name, by_case in BEFORE.items():
        table.add_row(f"before issue 11: {name}", *(f"{by_case[c][0]} / {by_case[c][1]}" for c in CASES))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=RULES)
    parser.add_argument("--repeat", type=int, default=500)
    parser.add_argument("--no-http", action="store_true", help="skip the measure over HTTP")
    args = parser.parse_args()
    from rich.console import Console

    print_rules_benchmark(Console(), args.rules, args.repeat, not args.no_http)


if __name__ == "__main__":
    main()
