"""Load benchmark: /v1/answer, the rule endpoints and Rasa's REST webhook under concurrency.

    .venv/bin/python benchmarks/load.py                     # 64 connections, 60 s per target
    .venv/bin/python benchmarks/load.py --duration 10 --targets answer,ports
    .venv/bin/python benchmarks/load.py --app-url http://127.0.0.1:8000 --rasa-url http://127.0.0.1:5005

Without ``--app-url`` it starts ``helpdesk serve`` itself on a free loopback port
(``--workers``, rate limit off: one client address sends everything); without
``--rasa-url`` and with the ``webhook`` target it also starts the action server and Rasa
(``scripts/bot.sh``). The generator is wrk (Debian's ``wrk`` package; Lua scripts rotate
the request bodies) when installed, else an asyncio/httpx client (which needs more CPU
per request than the server: figures from it understate the server). Prints, per
target, requests/s, p50/p99 latency and errors (non-2xx, socket errors, timeouts).
Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from helpdesk.bench import free_port

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "445端口能用吗",
    "如何开启某个端口？",
    "安全组为什么删不掉",
    "why is port 25 blocked",
    "how do I open port 3389 for remote desktop",
    "安全组默认规则是什么",
    "can I use port 80 without ICP filing",
    "what is a security group",
]
PORTS = [("tcp", 22), ("tcp", 25), ("udp", 445), ("tcp", 3389), ("tcp", 8080), ("udp", 137), ("tcp", 443)]
EVALUATE = {
    "security_groups": [
        {
            "SecurityGroupId": "sg-web",
            "SecurityGroupPolicySet": {
                "Ingress": [
                    {"Protocol": "TCP", "Port": "22", "CidrBlock": "198.51.100.0/24", "Action": "ACCEPT"},
                    {"Protocol": "tcp", "Port": "80,443", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"},
                    {"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "DROP"},
                ],
                "Egress": [{"Protocol": "ALL", "Port": "ALL", "CidrBlock": "0.0.0.0/0", "Action": "ACCEPT"}],
            },
        }
    ],
    "flow": {"direction": "ingress", "protocol": "tcp", "port": 22, "remote": "198.51.100.20"},
}
CHAT = ["445端口能用吗", "那 UDP 呢?", "can I listen on 3389?", "安全组为什么删不掉"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


@dataclass
class Result:
    target: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    detail: str = ""

    def line(self) -> str:
        return (
            f"{self.target:<10} {self.requests / self.seconds:9.1f} req/s  p50 {self.p50_ms:7.2f} ms  "
            f"p99 {self.p99_ms:7.2f} ms  errors {self.errors:5d}  ({self.requests} requests){self.detail}"
        )


def requests_for(target: str) -> list[Request]:
    if target == "answer":
        return [Request("POST", "/v1/answer", json.dumps({"question": q}).encode()) for q in QUESTIONS]
    if target == "ports":
        return [Request("GET", f"/v1/ports/{p}/{n}") for p, n in PORTS]
    if target == "evaluate":
        return [Request("POST", "/v1/security-groups/evaluate", json.dumps(EVALUATE).encode())]
    if target == "webhook":
        # A fresh conversation per few requests, so trackers stay short as in real traffic.
        return [
            Request(
                "POST",
                "/webhooks/rest/webhook",
                json.dumps(
                    {"sender": f"load-{i // len(CHAT)}-{uuid.uuid4().hex[:6]}", "message": CHAT[i % len(CHAT)]},
                    ensure_ascii=False,
                ).encode(),
            )
            for i in range(64)
        ]
    raise SystemExit(f"unknown target {target!r}: answer, ports, evaluate, webhook")


# --- wrk ---------------------------------------------------------------------------------

_LUA = """
local requests = {}
local counter = 0
init = function(args)
%s
end
request = function()
  counter = counter + 1
  return requests[(counter %% #requests) + 1]
end
done = function(summary, latency, requests)
  io.write(string.format("LOADJSON {\\"requests\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d, " ..
    "\\"status\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, \\"write\\": %%d, " ..
    "\\"timeout\\": %%d, \\"duration_us\\": %%d}\\n",
    summary.requests, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout, summary.duration))
end
"""


def _lua_string(data: bytes) -> str:
    return '"' + "".join(f"\\{b}" for b in data) + '"'


def run_wrk(target: str, base_url: str, connections: int, duration: float, threads: int) -> Result:
    lines = []
    for r in requests_for(target):
        headers = '{["Content-Type"] = "application/json"}' if r.body is not None else "{}"
        body = _lua_string(r.body) if r.body is not None else "nil"
        method, path = _lua_string(r.method.encode()), _lua_string(r.path.encode())
        lines.append(f"  table.insert(requests, wrk.format({method}, {path}, {headers}, {body}))")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % "\n".join(lines))
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{duration:g}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    finally:
        os.unlink(script.name)
    match = re.search(r"LOADJSON (\{.*\})", done.stdout)
    if match is None:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    s = json.loads(match.group(1))
    socket_errors = s["connect"] + s["read"] + s["write"] + s["timeout"]
    detail = f"  [non-2xx {s['status']}, socket {socket_errors}]" if s["status"] or socket_errors else ""
    return Result(
        target,
        s["requests"],
        s["duration_us"] / 1e6,
        s["p50_us"] / 1000,
        s["p99_us"] / 1000,
        s["status"] + socket_errors,
        detail,
    )


# --- asyncio fallback --------------------------------------------------------------------


async def _run_async(target: str, base_url: str, connections: int, duration: float) -> Result:
    reqs = requests_for(target)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=10) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < deadline:
                r = reqs[i % len(reqs)]
                i += 1
                started = time.perf_counter()
                try:
                    response = await client.request(
                        r.method,
                        r.path,
                        content=r.body,
                        headers={"Content-Type": "application/json"} if r.body else None,
                    )
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(
        target, len(latencies), elapsed, quantiles[49] * 1000, quantiles[98] * 1000, errors, "  [httpx client]"
    )


# --- processes ----------------------------------------------------------------------------


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float, check: Any) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {process.returncode}")
        with suppress(httpx.HTTPError):
            if check(httpx.get(url, timeout=2)):
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s")


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default="answer,ports,evaluate,webhook")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per target")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of the app this script starts")
    parser.add_argument("--app-url")
    parser.add_argument("--rasa-url")
    parser.add_argument("--client", choices=["auto", "wrk", "httpx"], default="auto")
    args = parser.parse_args()
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    for t in targets:
        requests_for(t)  # fails early on a typo
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)

    work = Path(tempfile.mkdtemp(prefix="helpdesk-load-"))
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "HELPDESK_RATE_LIMIT": "off",
        "HELPDESK_DATA_DIR": str(work / "data"),
        "RASA_TRACKER_DB": str(work / "tracker.db"),
    }
    stack: list[Any] = []
    try:
        app_url = args.app_url
        if app_url is None:
            port = free_port()
            app_url = f"http://127.0.0.1:{port}"
            cm = started(
                [str(REPO / ".venv/bin/helpdesk"), "serve"],
                {**env, "HELPDESK_PORT": str(port), "HELPDESK_WORKERS": str(args.workers)},
                work / "app.log",
            )
            stack.append(cm)
            wait_ready(f"{app_url}/readyz", cm.__enter__(), 300, lambda r: r.status_code == 200)
        rasa_url = args.rasa_url
        if "webhook" in targets and rasa_url is None:
            actions_port, rasa_port = free_port(), free_port()
            rasa_env = {
                **env,
                "HELPDESK_API_URL": app_url,
                "ACTIONS_PORT": str(actions_port),
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                "RASA_PORT": str(rasa_port),
            }
            actions = started([str(REPO / "scripts/bot.sh"), "actions"], rasa_env, work / "actions.log")
            stack.append(actions)
            wait_ready(
                f"http://127.0.0.1:{actions_port}/health", actions.__enter__(), 60, lambda r: r.status_code == 200
            )
            rasa = started([str(REPO / "scripts/bot.sh"), "server"], rasa_env, work / "rasa.log")
            stack.append(rasa)
            rasa_url = f"http://127.0.0.1:{rasa_port}"
            wait_ready(f"{rasa_url}/status", rasa.__enter__(), 180, lambda r: bool(r.json().get("model_file")))

        print(
            f"load: {args.connections} connections, {args.duration:g} s per target, "
            f"client {'wrk' if use_wrk else 'httpx'}, app {app_url}" + (f", rasa {rasa_url}" if rasa_url else "")
        )
        for target in targets:
            base = rasa_url if target == "webhook" else app_url
            assert base is not None
            if use_wrk:
                result = run_wrk(target, base, args.connections, args.duration, args.threads)
            else:
                result = asyncio.run(_run_async(target, base, args.connections, args.duration))
            print(result.line(), flush=True)
    finally:
        for cm in reversed(stack):
            cm.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
