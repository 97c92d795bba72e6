"""Load benchmark: /v1/answer, the rule endpoints and Rasa's REST webhook under concurrency.

    .venv/bin/python benchmarks/load.py                      # closed loop: 64 connections, 60 s per target
    .venv/bin/python benchmarks/load.py --rate 300           # constant rate: 64 connections offering 300 req/s
    .venv/bin/python benchmarks/load.py --targets webhook --rate 15
    .venv/bin/python benchmarks/load.py --targets webhook --rasa-workers 2 --redis-url redis://127.0.0.1:56379/0
    .venv/bin/python benchmarks/load.py --app-url http://127.0.0.1:8000 --rasa-url http://127.0.0.1:5005

Two modes. Closed loop (the default): each connection sends its next request as soon as
the previous one returns, so throughput is the most the server does and latency is
``connections / throughput`` on average. Constant rate (``--rate R``): the connections
together send R requests per second on a fixed schedule (request j of the run is due at
``j / R`` s, on connection ``j mod connections``), and latency is measured from the time a
request was due, not from when it was sent, so a stalled server is charged for the
requests it held back (no coordinated omission, as in wrk2).

Generators: the closed loop of the app's targets uses wrk when installed (Debian's
``wrk``; cheapest per request). Everything else uses this script's own generator:
``--procs`` processes (2) sharing the connections, raw HTTP/1.1 over asyncio streams on
uvloop. The webhook target always uses it: each connection holds 4-turn conversations
under fresh sender ids (wrk would repeat a fixed list of senders, whose trackers grow).
The generator runs on the same cores as the servers; its CPU time is printed.

Without ``--app-url`` it starts ``helpdesk serve`` on a free loopback port (rate limit
off: one client address sends everything), with ``helpdesk serve``'s default workers
unless ``--workers``; without ``--rasa-url`` and with the webhook target it also starts
the action server and Rasa (``scripts/bot.sh``), with ``--rasa-workers`` Sanic workers
(more than one needs a Redis lock store: ``--redis-url``, e.g. from
``scripts/redis.sh start``). A request is an error if it gets a non-2xx status, a socket
error or no reply within ``--timeout`` s (20: the web widget's REST timeout, so a turn
that waits behind 63 others is slow, not failed, as long as a user would still get it).
Prints, per target: offered and achieved rate, p50/p90/p99/max latency, errors, the CPU
used by each server, the generator and everything else, and each server's RSS. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from load_requests import TARGETS, requests_for
from loadgen import Result, run_generator
from procstats import REPO, cpu_snapshot, group_rss_mib, started, wait_ready

from benchmarks.measure import free_port
from helpdesk.settings import get_settings

# --- wrk (closed loop) ---------------------------------------------------------------------

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
  io.write(string.format("LOADJSON {\\"requests\\": %%d, \\"p50_us\\": %%d, \\"p90_us\\": %%d, " ..
    "\\"p99_us\\": %%d, \\"max_us\\": %%d, \\"status\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, " ..
    "\\"write\\": %%d, \\"timeout\\": %%d, \\"duration_us\\": %%d}\\n",
    summary.requests, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.duration))
end
"""


def _lua_string(data: bytes) -> str:
    return '"' + "".join(f"\\{b}" for b in data) + '"'


def _wrk_script(target: str) -> str:
    lines = []
    for r in requests_for(target):
        headers = '{["Content-Type"] = "application/json"}' if r.body is not None else "{}"
        body = _lua_string(r.body) if r.body is not None else "nil"
        method, path = _lua_string(r.method.encode()), _lua_string(r.path.encode())
        lines.append(f"  table.insert(requests, wrk.format({method}, {path}, {headers}, {body}))")
    return _LUA % "\n".join(lines)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(target: str, base_url: str, args: argparse.Namespace) -> Result:
    """Closed loop with wrk. Its summary has percentiles, not samples: they stand in for the samples."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_wrk_script(target))
    argv = ["wrk", "-t", str(args.procs), "-c", str(args.connections), "-d", f"{args.duration:g}s"]
    argv += ["--timeout", f"{args.timeout:g}s", "-s", script.name, base_url]
    cpu = _children_cpu_s()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=args.duration + 60, check=False)
    finally:
        os.unlink(script.name)
    cpu = _children_cpu_s() - cpu
    match = re.search(r"LOADJSON (\{.*\})", done.stdout)
    if match is None:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    s = json.loads(match.group(1))
    errors = Counter({k: s[k] for k in ("status", "connect", "read", "write", "timeout") if s[k]})
    latency = (s["p50_us"] / 1000, s["p90_us"] / 1000, s["p99_us"] / 1000, s["max_us"] / 1000)
    ok = s["requests"] - s["status"]
    return Result(target, None, s["duration_us"] / 1e6, ok, latency, errors, "wrk", cpu)


def cpu_line(before: dict[str, float], after: dict[str, float], result: Result) -> str:
    """Cores used during the run, per server, by the generator, and by every other process."""
    used = {name: (after[name] - before[name]) / result.seconds for name in after}
    client = result.client_cpu_s / result.seconds
    other = used.pop("busy") - sum(used.values()) - client
    parts = [f"{name} {cores:.2f}" for name, cores in used.items()]
    return f"  CPU (cores of {os.cpu_count()}): " + ", ".join(
        [*parts, f"{result.client} {client:.2f}", f"other {other:.2f}"]
    )


def rasa_endpoints(path: Path, redis_url: str) -> Path:
    """bot/endpoints.yml plus a Redis lock store, which Rasa needs to run several Sanic workers."""
    redis = urlsplit(redis_url)
    lock_store = (
        "\nlock_store:\n  type: guards.lock_store.AtomicRedisLockStore\n"
        f"  url: {redis.hostname}\n  port: {redis.port or 6379}\n  db: {(redis.path or '/0').strip('/') or 0}\n"
        f"  key_prefix: load{uuid.uuid4().hex[:8]}\n"
    )
    path.write_text((REPO / "bot/endpoints.yml").read_text(encoding="utf-8") + lock_store, encoding="utf-8")
    return path


def start_app(stack: ExitStack, env: dict[str, str], work: Path, workers: int) -> tuple[str, int]:
    port = free_port()
    app = stack.enter_context(
        started(
            [str(REPO / ".venv/bin/helpdesk"), "serve"],
            {**env, "HELPDESK_PORT": str(port), "HELPDESK_WORKERS": str(workers)},
            work / "app.log",
        )
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(f"{url}/readyz", app, 300, lambda r: r.status_code == 200)
    return url, app.pid


def start_bot(
    stack: ExitStack, env: dict[str, str], work: Path, app_url: str, args: argparse.Namespace
) -> tuple[list[str], dict[str, int]]:
    """The action server and ``args.rasa_servers`` Rasa servers of ``args.rasa_workers`` workers each."""
    actions_port = free_port()
    env = {**env, "HELPDESK_API_URL": app_url, "ACTIONS_PORT": str(actions_port)}
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{actions_port}/webhook"
    actions = stack.enter_context(started([str(REPO / "scripts/bot.sh"), "actions"], env, work / "actions.log"))
    wait_ready(f"http://127.0.0.1:{actions_port}/health", actions, 60, lambda r: r.status_code == 200)
    pids, urls, extra = {"actions": actions.pid}, [], []
    if args.rasa_workers > 1 or args.rasa_servers > 1:
        if not args.redis_url:
            raise SystemExit("several Rasa workers or servers need a Redis lock store: --redis-url (scripts/redis.sh)")
        extra = ["--endpoints", str(rasa_endpoints(work / "endpoints.yml", args.redis_url))]
        env["SANIC_WORKERS"] = str(args.rasa_workers)
    for n in range(args.rasa_servers):
        port = free_port()
        rasa_env = {**env, "RASA_PORT": str(port)}
        rasa = stack.enter_context(
            started([str(REPO / "scripts/bot.sh"), "server", *extra], rasa_env, work / f"rasa{n}.log")
        )
        urls.append(f"http://127.0.0.1:{port}")
        # Rasa's HTTP API is off (scripts/bot.sh); the REST channel answers once the model is loaded.
        wait_ready(f"{urls[-1]}/webhooks/rest/", rasa, 300, lambda r: r.json().get("status") == "ok")
        pids[f"rasa{n}" if args.rasa_servers > 1 else "rasa"] = rasa.pid
    return urls, pids


# --- main -------------------------------------------------------------------------------------


def measure(target: str, urls: list[str], args: argparse.Namespace, use_wrk: bool, pids: dict[str, int]) -> None:
    """Warm up (a few seconds, not counted), then measure one target and print the figures."""
    if args.warmup > 0:
        warm = argparse.Namespace(**{**vars(args), "duration": args.warmup, "connections": min(8, args.connections)})
        run_generator(target, urls, warm, None)
    before = cpu_snapshot(pids)
    if args.rate is None and use_wrk and target != "webhook" and len(urls) == 1:
        result = run_wrk(target, urls[0], args)
    else:
        result = run_generator(target, urls, args, args.rate)
    print(result.line(), cpu_line(before, cpu_snapshot(pids), result), sep="\n", flush=True)
    if pids:
        print("  RSS " + rss_line(pids), flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--targets", default=",".join(TARGETS), help="comma list of: " + ", ".join(TARGETS))
    add("--connections", type=int, default=64)
    add("--duration", type=float, default=60.0, help="seconds per target (default 60)")
    add("--rate", type=float, help="constant rate: requests/s offered by all connections together")
    add("--timeout", type=float, default=20.0, help="seconds without a reply before a request is an error (20)")
    add("--warmup", type=float, default=5.0, help="seconds of load (8 connections) before each target, not counted")
    add("--procs", type=int, default=2, help="generator processes (wrk threads)")
    add("--client", choices=["auto", "wrk", "generator"], default="auto", help="closed loop of the app targets")
    add("--workers", type=int, help="uvicorn workers of the app this script starts (default: helpdesk serve's)")
    add("--rasa-workers", type=int, default=1, help="Sanic workers per Rasa server (SANIC_WORKERS)")
    add("--rasa-servers", type=int, default=1, help="Rasa servers; the connections are spread over them")
    add("--redis-url", default=os.environ.get("HELPDESK_TEST_REDIS_URL"), help="lock store for several Rasa")
    add("--app-url")
    add("--rasa-url")
    args = parser.parse_args()
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if unknown := set(args.targets) - set(TARGETS):
        raise SystemExit(f"unknown targets {', '.join(sorted(unknown))}: {', '.join(TARGETS)}")
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    return args


def main() -> int:
    args = parse_args()
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    work = Path(tempfile.mkdtemp(prefix="helpdesk-load-"))
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "HELPDESK_RATE_LIMIT": "off",
        "HELPDESK_DATA_DIR": str(work / "data"),
        "RASA_TRACKER_DB": str(work / "tracker.db"),
    }
    pids: dict[str, int] = {}
    try:
        with ExitStack() as stack:
            app_url, workers = args.app_url, args.workers or get_settings().workers
            if app_url is None:
                app_url, pids["app"] = start_app(stack, env, work, workers)
            rasa_urls = [args.rasa_url] if args.rasa_url else []
            if "webhook" in args.targets and not rasa_urls:
                rasa_urls, bot_pids = start_bot(stack, env, work, app_url, args)
                pids.update(bot_pids)
            print(describe(args, app_url, rasa_urls, workers), flush=True)
            for target in args.targets:
                measure(target, rasa_urls if target == "webhook" else [app_url], args, use_wrk, pids)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def describe(args: argparse.Namespace, app_url: str, rasa_urls: list[str], workers: int) -> str:
    mode = f"constant rate {args.rate:g} req/s" if args.rate else "closed loop"
    app = f"app {app_url}" + ("" if args.app_url else f" ({workers} workers)")
    rasa = f", rasa {' '.join(rasa_urls)}" if rasa_urls else ""
    if rasa_urls and not args.rasa_url:
        rasa += f" ({args.rasa_servers} server(s) x {args.rasa_workers} Sanic worker(s))"
    return (
        f"load: {mode}, {args.connections} connections, {args.duration:g} s per target, timeout {args.timeout:g} s, "
        f"{os.cpu_count()} CPUs; {app}{rasa}"
    )


def rss_line(pids: dict[str, int]) -> str:
    parts = []
    for name, pid in pids.items():
        mib, count = group_rss_mib(pid)
        parts.append(f"{name} {mib:.0f} MiB ({count} processes)")
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
