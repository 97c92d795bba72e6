"""Benchmarks that print figures: /v1/answer over real HTTP, cold start, memory, rules.

The server runs as a separate process (``helpdesk serve``) so that cold start and peak
RSS are the service's own, measured from outside as a user would see them.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a live process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


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


def _sequential(url: str, n: int) -> list[float]:
    latencies = []
    with httpx.Client(timeout=10) as client:
        for i in range(n):
            t = time.perf_counter()
            client.post(url, json={"question": QUESTIONS[i % len(QUESTIONS)]}).raise_for_status()
            latencies.append((time.perf_counter() - t) * 1000)
    return latencies


def _concurrent(url: str, n: int, clients: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = n // clients

    def worker(offset: int) -> None:
        nonlocal errors
        with httpx.Client(timeout=10) as client:
            for i in range(per_client):
                t = time.perf_counter()
                try:
                    ok = (
                        client.post(url, json={"question": QUESTIONS[(offset + i) % len(QUESTIONS)]}).status_code == 200
                    )
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per_client * clients / (time.perf_counter() - start), latencies, errors


def run_bench(console: Console, requests: int = 2000, concurrency: int = 8) -> None:
    """Print the service benchmark and the rule-engine benchmark."""
    port = free_port()
    proc, cold_start = start_server(port)
    try:
        url = f"http://127.0.0.1:{port}/v1/answer"
        _sequential(url, 50)  # warm-up
        one = _sequential(url, requests)
        throughput, many, errors = _concurrent(url, requests * 2, concurrency)
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    table = Table("measure", "value", title="/v1/answer over HTTP (helpdesk serve, 1 worker)")
    table.add_row("cold start (process start → /readyz 200)", f"{cold_start:.2f} s")
    table.add_row("1 client: p50 / p99 latency", f"{statistics.median(one):.2f} / {percentile(one, 99):.2f} ms")
    table.add_row("1 client: throughput", f"{1000 / statistics.mean(one):.0f} req/s")
    table.add_row(f"{concurrency} clients: throughput", f"{throughput:.0f} req/s")
    table.add_row(
        f"{concurrency} clients: p50 / p99 latency", f"{statistics.median(many):.2f} / {percentile(many, 99):.2f} ms"
    )
    table.add_row(f"{concurrency} clients: errors", str(errors))
    table.add_row("server peak RSS", f"{rss:.0f} MB")
    console.print(table)
    from rules.benchmark import run_rules_benchmark

    figures = run_rules_benchmark()
    rules_table = Table("measure", "value", title="security-group evaluation (1,000 rules)")
    for name, value in figures.items():
        rules_table.add_row(name, f"{value:,.2f}")
    console.print(rules_table)
