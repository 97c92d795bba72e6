"""Benchmark of the bot's serving stack: Rasa start-to-ready, REST round trips, RSS.

Talks HTTP only (standard library), so it runs with either venv:

    python benchmarks/bot_bench.py                      # bot/config.yml
    python benchmarks/bot_bench.py --compare            # and Rasa's default DIET + TED
    python benchmarks/bot_bench.py --api-url http://127.0.0.1:8000   # reuse a running app

It trains what is missing (scripts/bot.sh train; the baseline model goes to
var/bench-models/default), starts the app (unless --api-url), the action server and
Rasa on free ports, and stops them all at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks.measure: standard library only, so either venv imports it
from benchmarks.measure import free_port, percentile, tree_memory_mb  # noqa: E402

BOT_SH = REPO / "scripts" / "bot.sh"
CONFIGS = {
    "ours": (REPO / "bot" / "config.yml", REPO / "bot" / "models"),
    "default (DIET+TED)": (
        REPO / "benchmarks" / "data" / "config_default_pipeline.yml",
        REPO / "var" / "bench-models" / "default",
    ),
}
QUESTIONS = {"faq": "如何配置安全组", "port": "445端口能用吗"}
# Rasa's per-turn cost grows with the conversation (policies and the tracker store read
# the whole history), so requests are spread over conversations of this many turns,
# about what a helpdesk chat has. --turns 1000 measures one long conversation instead.
TURNS_PER_CONVERSATION = 5


def http(method: str, url: str, body: object | None = None, timeout: float = 30) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait(url: str, ok: callable, process: subprocess.Popen[bytes], timeout: float) -> float:  # type: ignore[valid-type]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise SystemExit(f"process for {url} exited with {process.returncode}")
        try:
            if ok(http("GET", url, timeout=2)):
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} not ready after {timeout} s")


@dataclass
class Stack:
    processes: list[subprocess.Popen[bytes]]

    def stop(self) -> None:
        for p in reversed(self.processes):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def bench(
    label: str, config: Path, model_dir: Path, api_url: str | None, rounds: int, turns: int, work: Path
) -> dict[str, object]:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CONFIG": str(config),
        "RASA_MODEL_DIR": str(model_dir),
        "PYTHONPATH": str(REPO),
    }
    trained = subprocess.run([str(BOT_SH), "train"], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if trained.returncode != 0:
        raise SystemExit(f"training {label} failed:\n{trained.stdout[-2000:]}{trained.stderr[-2000:]}")

    stack = Stack([])
    try:
        if api_url is None:
            app_port = free_port()
            api_url = f"http://127.0.0.1:{app_port}"
            app = spawn(
                [str(REPO / ".venv" / "bin" / "helpdesk"), "serve"],
                {**env, "HELPDESK_PORT": str(app_port), "HELPDESK_DATA_DIR": str(work / "app")},
                work / "app.log",
            )
            stack.processes.append(app)
            wait(f"{api_url}/readyz", lambda r: r.get("status") == "ready", app, 300)
        actions_port, rasa_port = free_port(), free_port()
        env.update(
            {
                "HELPDESK_API_URL": api_url,
                "ACTIONS_PORT": str(actions_port),
                "RASA_PORT": str(rasa_port),
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                "RASA_TRACKER_DB": str(work / f"tracker-{uuid.uuid4().hex[:6]}.db"),
            }
        )
        actions = spawn([str(BOT_SH), "actions"], env, work / "actions.log")
        stack.processes.append(actions)
        wait(f"http://127.0.0.1:{actions_port}/health", lambda r: True, actions, 60)

        rasa = spawn([str(BOT_SH), "server"], env, work / f"rasa-{label[:7]}.log")
        stack.processes.append(rasa)
        # Rasa's HTTP API is off (scripts/bot.sh); the REST channel answers once the model is loaded.
        start_s = wait(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", lambda r: r.get("status") == "ok", rasa, 300)

        webhook = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        timings: dict[str, list[float]] = {}
        for kind, text in QUESTIONS.items():
            for _ in range(3):  # warm up
                http("POST", webhook, {"sender": f"warm-{uuid.uuid4().hex[:6]}", "message": text})
            timings[kind] = []
            for i in range(rounds):
                if i % turns == 0:
                    sender = f"bench-{kind}-{uuid.uuid4().hex[:6]}"
                t0 = time.perf_counter()
                http("POST", webhook, {"sender": sender, "message": text})
                timings[kind].append((time.perf_counter() - t0) * 1000)
        return {
            "label": label,
            "start_s": start_s,
            **{f"{k}_p50_ms": statistics.median(v) for k, v in timings.items()},
            **{f"{k}_p95_ms": percentile(v, 95) for k, v in timings.items()},
            "rasa_rss_mb": tree_memory_mb(rasa.pid),
            "actions_rss_mb": tree_memory_mb(actions.pid),
        }
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also measure Rasa's default DIET + TED pipeline")
    parser.add_argument("--api-url", help="use this running app instead of starting one")
    parser.add_argument("--rounds", type=int, default=50, help="requests per question (default 50)")
    parser.add_argument("--turns", type=int, default=TURNS_PER_CONVERSATION, help="turns per conversation (default 5)")
    args = parser.parse_args()

    labels = list(CONFIGS) if args.compare else ["ours"]
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        rows = [bench(label, *CONFIGS[label], args.api_url, args.rounds, args.turns, Path(tmp)) for label in labels]
    print(f"{args.rounds} requests per question, {args.turns} turns per conversation")
    header = (
        f"{'pipeline':<20}{'start s':>9}{'faq p50':>9}{'faq p95':>9}{'port p50':>10}{'port p95':>10}"
        f"{'Rasa RSS MB':>13}{'actions RSS MB':>16}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['label']:<20}{r['start_s']:>9.1f}{r['faq_p50_ms']:>9.1f}{r['faq_p95_ms']:>9.1f}"
            f"{r['port_p50_ms']:>10.1f}{r['port_p95_ms']:>10.1f}{r['rasa_rss_mb']:>13.0f}{r['actions_rss_mb']:>16.0f}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
