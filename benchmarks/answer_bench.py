"""/v1/answer over real HTTP: cold start, p50/p99 latency and throughput at 1 and 8 clients, peak RSS.

    .venv/bin/python benchmarks/answer_bench.py [--requests 2000] [--concurrency 8]

The server runs as a separate process (``helpdesk serve``) so that cold start and peak
RSS are the service's own, measured from outside as a user would see them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.measure import free_port, percentile, tree_memory_mb  # noqa: E402
from helpdesk.settings import get_settings  # noqa: E402

QUESTIONS = [
    "445端口能用吗",
    "how do I open port 8080 in the security group",
    "安全组为什么删不掉",
    "why is outbound port 25 blocked",
    "安全组规则是按什么顺序生效的",
    "can I use iptables with security groups",
    "今天天气怎么样",
    "COS bucket pricing",
    "腾讯云哪些端口不能用",
    "安全组可以跨账号克隆吗",
]


def start_server(port: int, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``helpdesk serve`` and return it with the seconds until /readyz answered 200."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpdesk", "serve", "--port", str(port)],
        env={**os.environ, "HELPDESK_LOG_LEVEL": "warning", **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = started + 120
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("server did not become ready within 120 s")


def _client_run(port: int, n: int, offset: int) -> tuple[list[float], int]:
    """One client: ``n`` requests over one keep-alive connection; (latencies in ms, errors).

    The standard library's client, not httpx: on 2 cores the client shares the CPU with
    the server, and a heavier client would measure itself more than the service.
    """
    latencies: list[float] = []
    errors = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    for i in range(n):
        body = json.dumps({"question": QUESTIONS[(offset + i) % len(QUESTIONS)]}).encode()
        t = time.perf_counter()
        try:
            conn.request("POST", "/v1/answer", body, headers)
            response = conn.getresponse()
            response.read()
            errors += response.status != 200
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        latencies.append((time.perf_counter() - t) * 1000)
    conn.close()
    return latencies, errors


def _concurrent(port: int, n: int, clients: int) -> tuple[float, list[float], int]:
    """``clients`` client processes (no shared GIL) sending ``n`` requests in all."""
    per_client = n // clients
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        start = time.perf_counter()
        results = pool.starmap(_client_run, [(port, per_client, k) for k in range(clients)])
        elapsed = time.perf_counter() - start
    latencies = [ms for lat, _ in results for ms in lat]
    return per_client * clients / elapsed, latencies, sum(e for _, e in results)


def run_bench(console: Console, requests: int = 2000, concurrency: int = 8) -> None:
    """Print the service benchmark."""
    port = free_port()
    proc, cold_start = start_server(port)
    try:
        _client_run(port, 50, 0)  # warm-up
        one, one_errors = _client_run(port, requests, 0)
        throughput, many, errors = _concurrent(port, requests * 2, concurrency)
        errors += one_errors
        rss = tree_memory_mb(proc.pid, "VmHWM")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    workers = get_settings().workers
    title = f"/v1/answer over HTTP (helpdesk serve, {workers} worker{'' if workers == 1 else 's'})"
    table = Table("measure", "value", title=title)
    table.add_row("cold start (process start → /readyz 200)", f"{cold_start:.2f} s")
    table.add_row("1 client: p50 / p99 latency", f"{statistics.median(one):.2f} / {percentile(one, 99):.2f} ms")
    table.add_row("1 client: throughput", f"{1000 / statistics.mean(one):.0f} req/s")
    table.add_row(f"{concurrency} clients: throughput", f"{throughput:.0f} req/s")
    table.add_row(
        f"{concurrency} clients: p50 / p99 latency", f"{statistics.median(many):.2f} / {percentile(many, 99):.2f} ms"
    )
    table.add_row(f"{concurrency} clients: errors", str(errors))
    table.add_row("server peak RSS (all processes)", f"{rss:.0f} MB")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients for throughput")
    args = parser.parse_args()
    run_bench(Console(), requests=args.requests, concurrency=args.concurrency)


if __name__ == "__main__":
    main()
