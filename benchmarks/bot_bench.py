"""Benchmark of the bot's serving stack: Rasa start-to-ready, REST round trips per reply kind, RSS.

Talks HTTP only (standard library), so it runs with either venv:

    python benchmarks/bot_bench.py                      # latency per kind, then memory over 1,000 conversations
    python benchmarks/bot_bench.py --conversations 0    # latency only
    python benchmarks/bot_bench.py --rounds 0           # memory only
    python benchmarks/bot_bench.py --kinds faq,port     # some kinds only
    python benchmarks/bot_bench.py --compare            # and Rasa's default DIET + TED (latency)
    python benchmarks/bot_bench.py --api-url http://127.0.0.1:8000   # reuse a running app

It trains what is missing (scripts/bot.sh train; the baseline model goes to
var/bench-models/default), starts the app (unless --api-url), the action server and
Rasa on free ports, and stops them all at the end. Each part (latency, memory) gets a
fresh action server and Rasa, with an empty tracker store, so neither sees the other's
conversations.

* **Latency**: REST round-trip p50 / p95 per reply kind (``kinds()``), ``--rounds`` requests
  each. A kind without context is asked ``--turns`` times per conversation; a kind that needs
  context (a paste after the problem, "still failing" on a case) is asked once per new
  conversation, after its context turns (not timed). Every reply's payload kinds are
  checked, so a figure is never that of another answer than the kind named. With each, the
  CPU time Rasa, the action server and the app spent during the round trips (mean per
  request; the event broker's shipping in the background is not in it), which says where a
  kind's time goes even on a busy machine.
* **Memory**: ``--conversations`` short conversations (3 to 5 turns of mixed kinds, the
  same sequence on every run), one after another; the RSS of Rasa's process tree (and of
  the action server and the app) at 0, 1/4, 1/2, 3/4 and all of them, so the slope shows.

The load average (/proc/loadavg) is printed with the figures: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # benchmarks.measure: standard library only, so either venv imports it
from benchmarks.measure import free_port, percentile, tree_cpu_s, tree_memory_mb  # noqa: E402

BOT_SH = REPO / "scripts" / "bot.sh"
HOST_PASTES = REPO / "tests" / "evidence" / "data" / "host"
CONFIGS = {
    "ours": (REPO / "bot" / "config.yml", REPO / "bot" / "models"),
    "default (DIET+TED)": (
        REPO / "benchmarks" / "data" / "config_default_pipeline.yml",
        REPO / "var" / "bench-models" / "default",
    ),
}
# Rasa's per-turn cost grows with the conversation (policies and the tracker store read
# the whole history), so requests are spread over conversations of this many turns,
# about what a helpdesk chat has. --turns 1000 measures one long conversation instead.
TURNS_PER_CONVERSATION = 5
PASTE_BYTES = 5 * 1024


def iptables_paste(target_bytes: int = PASTE_BYTES) -> str:
    """A real ``iptables -L -n -v --line-numbers`` paste (tests/evidence/data/host), padded to about
    ``target_bytes``: more ACCEPT rules of the file's own layout in INPUT, before its final REJECT."""
    lines = (HOST_PASTES / "iptables_L_nv_lines.txt").read_text(encoding="utf-8").splitlines()
    input_end = lines.index("")  # the INPUT chain: its header, column names, rules, a blank line
    template = next(line for line in lines[:input_end] if line.rstrip().endswith("tcp dpt:22"))
    rules, tail = lines[2 : input_end - 1], lines[input_end - 1 :]  # tail: the final REJECT onwards
    extra: list[str] = []
    size = sum(len(line) + 1 for line in lines)
    while size < target_bytes:
        i = len(extra)
        line = template.replace("0.0.0.0/0            0", f"{f'10.{i}.0.0/16':<21}0", 1)
        line = line.replace("tcp dpt:22", f"tcp dpt:{9000 + i}")
        extra.append(line)
        size += len(line) + 1
    body = [*rules, *extra, *tail]
    numbered = [re.sub(r"^\d+ +", lambda m, n=n: f"{n}".ljust(len(m[0])), line) for n, line in enumerate(body, 1)]
    # Only the INPUT chain is renumbered; the other chains keep the file's lines.
    input_rules = numbered[: len(rules) + len(extra) + 1]
    return "\n".join([*lines[:2], *input_rules, *tail[1:]])


@dataclass(frozen=True)
class Kind:
    """A kind of reply: the message timed, what must come back, and the turns it needs first."""

    message: str
    expect: str  # the first payload kind of the reply
    context: tuple[str, ...] = ()  # sent first in a new conversation, not timed


def kinds() -> dict[str, Kind]:
    paste = iptables_paste()
    return {
        "greeting": Kind("你好", "text"),
        "port": Kind("445端口能用吗", "port_verdict"),
        "faq": Kind("如何配置安全组", "faq_answer"),
        "faq_en": Kind("how do I open a port in the security group", "faq_answer"),
        "fallback": Kind("有个问题", "fallback", ("你好",)),  # once per conversation: the second hands off
        "thanks": Kind("谢谢", "feedback"),
        "diagnosis": Kind("8080访问不了", "diagnosis"),
        "diag_paste_5kb": Kind(f"iptables 规则如下：\n{paste}", "diagnosis", ("8080访问不了",)),
        "diag_next": Kind("改完了还是不行", "diagnosis", ("8080访问不了", f"iptables 规则如下：\n{paste}")),
        "handoff": Kind("转人工", "handoff", ("8080访问不了",)),
    }


# The memory run's conversations: each a list of turns, picked at random (seeded) and varied
# (ports, questions), so that the app and Rasa see many different messages, as in real use.
PORTS = (22, 80, 443, 445, 3306, 3389, 6379, 8080, 8443, 25, 135, 9000)
FAQS = (
    "如何配置安全组",
    "安全组是否支持跨用户克隆",
    "为什么我的实例无法访问",
    "how do I add a security group rule",
    "can a security group be cloned to another region",
    "安全组规则数量上限是多少",
)
SCRIPTS: tuple[Callable[[random.Random, str], list[str]], ...] = (
    lambda r, p: ["你好", r.choice(FAQS), "谢谢"],
    lambda r, p: [f"{p}端口能用吗", "那 UDP 呢", "好的 谢谢", "再见"],
    lambda r, p: [
        f"{p}访问不了",
        f"iptables 规则如下：\n{iptables_paste(r.randrange(1024, 5 * 1024))}",
        "改完了还是不行",
    ],
    lambda r, p: ["hi", f"my service on port {p} doesn't answer", "still doesn't work", "thanks"],
    lambda r, p: [r.choice(FAQS), r.choice(FAQS), "没用", "转人工"],
    lambda r, p: [f"mysql {p} 连不上 超时", "还是不行", "都试过了 还是不行 烦死了"],
)


def conversation(rng: random.Random) -> list[str]:
    """3 to 5 turns of one of ``SCRIPTS``."""
    return SCRIPTS[rng.randrange(len(SCRIPTS))](rng, str(rng.choice(PORTS)))[:5]


def http(method: str, url: str, body: object | None = None, timeout: float = 30) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def wait(url: str, ok: Callable[[object], bool], process: subprocess.Popen[bytes], timeout: float) -> float:
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


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Stack:
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self, processes: list[subprocess.Popen[bytes]] | None = None) -> None:
        chosen = self.processes if processes is None else processes
        for p in reversed(chosen):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in chosen:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.processes = [p for p in self.processes if p not in chosen]


def spawn(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@dataclass
class Bot:
    """An action server and a Rasa on free ports, with a tracker store of their own."""

    rasa: subprocess.Popen[bytes]
    actions: subprocess.Popen[bytes]
    webhook: str
    start_s: float
    app_pid: int | None = None

    def cpu_s(self) -> dict[str, float]:
        """CPU seconds used so far by Rasa, the action server and (when started here) the app."""
        pids = {"rasa": self.rasa.pid, "actions": self.actions.pid, "app": self.app_pid}
        return {name: tree_cpu_s(pid) if pid else float("nan") for name, pid in pids.items()}

    def say(self, sender: str, text: str) -> tuple[float, list[str]]:
        """Round-trip milliseconds and the payload kinds of the reply."""
        t0 = time.perf_counter()
        reply = http("POST", self.webhook, {"sender": sender, "message": text})
        ms = (time.perf_counter() - t0) * 1000
        assert isinstance(reply, list)
        return ms, [m["custom"].get("kind", "?") for m in reply if isinstance(m.get("custom"), dict)]


def start_bot(stack: Stack, env: dict[str, str], work: Path, tag: str, app_pid: int | None) -> Bot:
    actions_port, rasa_port = free_port(), free_port()
    env = {
        **env,
        "ACTIONS_PORT": str(actions_port),
        "RASA_PORT": str(rasa_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "RASA_TRACKER_DB": str(work / f"tracker-{tag}-{uuid.uuid4().hex[:6]}.db"),
    }
    actions = spawn([str(BOT_SH), "actions"], env, work / f"actions-{tag}.log")
    stack.processes.append(actions)
    wait(f"http://127.0.0.1:{actions_port}/health", lambda r: True, actions, 60)
    rasa = spawn([str(BOT_SH), "server"], env, work / f"rasa-{tag}.log")
    stack.processes.append(rasa)
    # Rasa's HTTP API is off (scripts/bot.sh); the REST channel answers once the model is loaded.
    ready = wait(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", lambda r: r.get("status") == "ok", rasa, 300)  # type: ignore[attr-defined]
    return Bot(rasa, actions, f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", ready, app_pid)


def latency(bot: Bot, chosen: dict[str, Kind], rounds: int, turns: int) -> dict[str, dict[str, float]]:
    """p50 / p95 (ms) of each kind, the CPU ms each process spent per round trip, and how many
    replies were not of the kind expected."""
    for _ in range(3):  # warm up: lazy imports and caches on every side
        for kind in chosen.values():
            sender = f"warm-{uuid.uuid4().hex[:8]}"
            for text in (*kind.context, kind.message):
                bot.say(sender, text)
    figures: dict[str, dict[str, float]] = {}
    for name, kind in chosen.items():
        timings: list[float] = []
        cpu = {"rasa": 0.0, "actions": 0.0, "app": 0.0}
        wrong = 0
        sender = ""
        for i in range(rounds):
            if kind.context or i % turns == 0:
                sender = f"bench-{name}-{uuid.uuid4().hex[:8]}"
                for text in kind.context:
                    bot.say(sender, text)
            before = bot.cpu_s()
            ms, got = bot.say(sender, kind.message)
            after = bot.cpu_s()
            for process in cpu:
                cpu[process] += (after[process] - before[process]) * 1000 / rounds
            timings.append(ms)
            wrong += not got or got[0] != kind.expect
        figures[name] = {"p50": statistics.median(timings), "p95": percentile(timings, 95), "wrong": wrong, **cpu}
    return figures


def memory(bot: Bot, app_pid: int | None, conversations: int, seed: int) -> list[dict[str, float]]:
    """RSS (MB) of Rasa, the action server and the app at 0, 1/4, 1/2, 3/4 and all ``conversations``."""
    rng = random.Random(seed)
    marks = sorted({round(conversations * q / 4) for q in range(5)})
    rows: list[dict[str, float]] = []
    turns = 0
    t0 = time.monotonic()
    timings: list[float] = []
    for done in range(conversations + 1):
        if done in marks:
            rows.append(
                {
                    "conversations": done,
                    "turns": turns,
                    "rasa": tree_memory_mb(bot.rasa.pid),
                    "rasa_peak": tree_memory_mb(bot.rasa.pid, "VmHWM"),
                    "actions": tree_memory_mb(bot.actions.pid),
                    "app": tree_memory_mb(app_pid) if app_pid else float("nan"),
                    "p50": statistics.median(timings) if timings else float("nan"),
                    "elapsed_s": time.monotonic() - t0,
                }
            )
            timings = []
            print(f"  {done:>5} conversations, Rasa RSS {rows[-1]['rasa']:.0f} MB", file=sys.stderr, flush=True)
        if done == conversations:
            break
        sender = f"mem-{done}-{uuid.uuid4().hex[:8]}"
        for text in conversation(rng):
            ms, _ = bot.say(sender, text)
            timings.append(ms)
            turns += 1
    return rows


def bench(
    label: str, config: Path, model_dir: Path, args: argparse.Namespace, chosen: dict[str, Kind], work: Path
) -> dict[str, object]:
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CONFIG": str(config),
        "RASA_MODEL_DIR": str(model_dir),
        "PYTHONPATH": str(REPO),
        # The app, the actions and Rasa share the local tokens here, and the event broker spools
        # here: nothing of the benchmark lands in the repository's var/.
        "HELPDESK_DATA_DIR": str(work / "app"),
        "HELPDESK_EVENTS_SPOOL": str(work / "event-spool"),
    }
    trained = subprocess.run([str(BOT_SH), "train"], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if trained.returncode != 0:
        raise SystemExit(f"training {label} failed:\n{trained.stdout[-2000:]}{trained.stderr[-2000:]}")

    stack = Stack()
    result: dict[str, object] = {"label": label}
    try:
        api_url, app_pid = args.api_url, None
        if api_url is None:
            app_port = free_port()
            api_url = f"http://127.0.0.1:{app_port}"
            app_env = {**env, "HELPDESK_PORT": str(app_port)}
            app = spawn([str(REPO / ".venv" / "bin" / "helpdesk"), "serve"], app_env, work / "app.log")
            stack.processes.append(app)
            app_pid = app.pid
            wait(f"{api_url}/readyz", lambda r: r.get("status") == "ready", app, 300)  # type: ignore[attr-defined]
        env.update({"HELPDESK_API_URL": api_url, "HELPDESK_EVENTS_URL": f"{api_url}/v1/events"})
        tag = label.split()[0]
        if args.rounds > 0:
            bot = start_bot(stack, env, work, f"{tag}-latency", app_pid)
            result["start_s"] = bot.start_s
            result["load_before"] = load_average()
            result["latency"] = latency(bot, chosen, args.rounds, args.turns)
            result["load_after"] = load_average()
            result["rasa_rss_mb"] = tree_memory_mb(bot.rasa.pid)
            result["actions_rss_mb"] = tree_memory_mb(bot.actions.pid)
            stack.stop([bot.rasa, bot.actions])
        if args.conversations > 0 and label == "ours":
            bot = start_bot(stack, env, work, f"{tag}-memory", app_pid)
            result.setdefault("start_s", bot.start_s)
            result["memory_load_before"] = load_average()
            result["memory"] = memory(bot, app_pid, args.conversations, args.seed)
            result["memory_load_after"] = load_average()
        return result
    finally:
        stack.stop()


def print_latency(rows: list[dict[str, object]], args: argparse.Namespace, names: list[str]) -> None:
    print(f"\nREST round trip (ms), {args.rounds} requests per kind, {args.turns} turns per conversation")
    print("(a kind with context: once per new conversation, after its context turns)")
    for r in rows:
        if "latency" not in r:
            continue
        figures: dict[str, dict[str, float]] = r["latency"]  # type: ignore[assignment]
        print(
            f"{r['label']}: Rasa ready in {r['start_s']:.1f} s; RSS after: Rasa {r['rasa_rss_mb']:.0f} MB, "
            f"actions {r['actions_rss_mb']:.0f} MB; load average {r['load_before']} -> {r['load_after']}"
        )
        print(f"  {'kind':<16}{'p50':>8}{'p95':>8}   CPU ms: {'Rasa':>6}{'actions':>9}{'app':>6}   wrong kind")
        for name in names:
            f = figures[name]
            print(
                f"  {name:<16}{f['p50']:>8.1f}{f['p95']:>8.1f}           {f['rasa']:>6.1f}{f['actions']:>9.1f}"
                f"{f['app']:>6.1f}   {int(f['wrong'])}/{args.rounds}"
            )


def print_memory(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    for r in rows:
        if "memory" not in r:
            continue
        print(
            f"\nRSS (MB) over {args.conversations} conversations of 3-5 mixed turns (seed {args.seed}); "
            f"load average {r['memory_load_before']} -> {r['memory_load_after']}"
        )
        print(f"  {'conversations':>13}{'turns':>7}{'Rasa':>7}{'Rasa peak':>11}{'actions':>9}{'app':>7}{'p50 ms':>8}")
        for m in r["memory"]:  # type: ignore[attr-defined]
            print(
                f"  {m['conversations']:>13}{m['turns']:>7}{m['rasa']:>7.0f}{m['rasa_peak']:>11.0f}"
                f"{m['actions']:>9.0f}{m['app']:>7.0f}{m['p50']:>8.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also measure Rasa's default DIET + TED pipeline")
    parser.add_argument("--api-url", help="use this running app instead of starting one")
    parser.add_argument("--rounds", type=int, default=50, help="requests per kind (default 50; 0: no latency run)")
    parser.add_argument("--turns", type=int, default=TURNS_PER_CONVERSATION, help="turns per conversation (default 5)")
    parser.add_argument("--kinds", help=f"comma-separated kinds to time (default all: {','.join(kinds())})")
    parser.add_argument(
        "--conversations", type=int, default=1000, help="conversations of the memory run (default 1000; 0: none)"
    )
    parser.add_argument("--seed", type=int, default=14, help="of the memory run's conversations (default 14)")
    args = parser.parse_args()

    every = kinds()
    names = args.kinds.split(",") if args.kinds else list(every)
    unknown = [n for n in names if n not in every]
    if unknown:
        parser.error(f"unknown kinds {unknown}; known: {', '.join(every)}")
    labels = list(CONFIGS) if args.compare else ["ours"]
    print(f"load average at start: {load_average()} ({os.cpu_count()} CPUs)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        chosen = {n: every[n] for n in names}
        rows = [bench(label, *CONFIGS[label], args, chosen, Path(tmp)) for label in labels]
    print_latency(rows, args, names)
    print_memory(rows, args)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
