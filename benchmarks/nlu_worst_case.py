"""NLU's worst case: the CPU one message costs the trained model, on adversarial inputs just under the cap.

    .venv-rasa/bin/python benchmarks/nlu_worst_case.py [--repeat 3] [--chars N] [--model PATH --config PATH]
    .venv-rasa/bin/python benchmarks/nlu_worst_case.py --rasa-url http://127.0.0.1:5005 --rasa-pid PID

Runs in the Rasa environment (it loads the model as ``rasa run`` does; train it first with
``scripts/bot.sh train``). NLU runs on Rasa's event loop, so while one message is parsed no
other conversation moves: no message the channels let through (``HELPDESK_MAX_MESSAGE_CHARS``,
``contract.limits.MAX_MESSAGE_CHARS``; longer ones are answered without NLU) may cost more
than a second of CPU. Each input is ``--chars`` characters (default: the cap minus one);
the table prints the median CPU time of a parse, in total and per pipeline component, and
exits 1 if any input takes a second or more. With ``--rasa-url`` and ``--rasa-pid`` it sends
each input as one turn to a running Rasa (``scripts/bot.sh server``) and prints the CPU that
process spent on the whole turn instead.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BOT = REPO / "bot"
sys.path[:0] = [str(BOT), str(REPO)]
BUDGET_S = 1.0


def iptables_dump(chars: int) -> str:
    """``iptables -L -n -v`` as a user would paste it, repeated to ``chars`` characters."""
    rng = random.Random(7)
    lines = [
        "Chain INPUT (policy DROP 1234 packets, 98765 bytes)",
        " pkts bytes target prot opt in out source destination",
    ]
    while sum(len(line) + 1 for line in lines) < chars:
        port = rng.choice([22, 80, 443, 445, 3389, 8080, 3306, 6379, rng.randint(1, 65535)])
        proto = rng.choice(["tcp", "udp"])
        src = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/{rng.choice([8, 16, 24, 32])}"
        target = rng.choice(["ACCEPT", "DROP", "REJECT"])
        lines.append(
            f" {rng.randint(0, 99999):>5} {rng.randint(0, 9999)}K {target:<6} {proto}  --  eth0   *   "
            f"{src:<18} 0.0.0.0/0            {proto} dpt:{port} ctstate NEW"
        )
    return "\n".join(lines)[:chars]


def inputs(chars: int) -> dict[str, str]:
    rng = random.Random(42)
    cjk = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(chars))
    return {
        "one character repeated ('a')": "a" * chars,
        "one CJK character repeated ('端')": "端" * chars,
        "random CJK": cjk,
        "digits": "".join(rng.choice("0123456789") for _ in range(chars)),
        "'445,' repeated": ("445," * chars)[:chars],
        "'445 ' repeated": ("445 " * chars)[:chars],
        "'tcp25 ' repeated": ("tcp25 " * chars)[:chars],
        "'445端口' repeated": ("445端口" * chars)[:chars],
        "'sg-' ids repeated": ("sg-1a2b3c4d " * chars)[:chars],
        "'1.2.3.4/' repeated": ("1.2.3.4/" * chars)[:chars],
        "'a ' repeated (many tokens)": ("a " * chars)[:chars],
        "iptables dump": iptables_dump(chars),
        "random words": " ".join(
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 12))) for _ in range(chars)
        )[:chars],
    }


# Rasa's built-in components this pipeline may name, by their config name.
BUILTIN = {
    "JiebaTokenizer": "rasa.nlu.tokenizers.jieba_tokenizer",
    "RegexFeaturizer": "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer",
    "CountVectorsFeaturizer": "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer",
    "LogisticRegressionClassifier": "rasa.nlu.classifiers.logistic_regression_classifier",
    "RegexEntityExtractor": "rasa.nlu.extractors.regex_entity_extractor",
    "EntitySynonymMapper": "rasa.nlu.extractors.entity_synonyms",
    "FallbackClassifier": "rasa.nlu.classifiers.fallback_classifier",
}


class ComponentClock:
    """CPU time spent in each pipeline component's ``process``, per parse (wraps the classes; benchmark only)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.labels: list[str] = []

    def wrap(self, cls: type, label: str) -> None:
        original: Callable[..., Any] = cls.process  # type: ignore[attr-defined]

        def process(component: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return original(component, *args, **kwargs)
            finally:
                self.spent[label] += time.process_time() - start

        cls.process = process  # type: ignore[attr-defined]
        self.labels.append(label)

    def wrap_pipeline(self, config: Path) -> None:
        """Wrap each class the pipeline of ``config`` names (once per class: two count vectorizers share one)."""
        import importlib

        import yaml

        seen: set[str] = set()
        for step in yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]:
            name = step["name"]
            if name in seen:
                continue
            seen.add(name)
            module, _, class_name = name.rpartition(".") if "." in name else (BUILTIN[name], "", name)
            cls = getattr(importlib.import_module(module), class_name)
            self.wrap(cls, class_name.replace("Featurizer", "Feat").replace("Classifier", "Clf")[:18])


def quiet_structlog() -> None:
    """Rasa logs every parse (with its text) through structlog at debug level: keep the table readable."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


async def measure(model: Path, config: Path, chars: int, repeat: int) -> bool:
    from rasa.core.agent import Agent

    clock = ComponentClock()
    clock.wrap_pipeline(config)
    agent = Agent.load(str(model))
    quiet_structlog()
    await agent.parse_message("445端口能用吗")  # warm up (jieba loads its dictionary on first use)
    labels = clock.labels
    print(
        "CPU ms: the process's CPU time (all threads); loop ms: the CPU time of the thread that parsed, "
        "i.e. how long Rasa's event loop is held; then the CPU ms in each component's process()"
    )
    header = (
        f"{'input':<32} {'CPU ms':>8} {'loop ms':>8} {'wall ms':>8}  "
        + " ".join(f"{label:>18}" for label in labels)
        + "  intent"
    )
    print(f"NLU CPU time per message of {chars:,} characters, median of {repeat} ({model.name}):")
    print(header)
    ok = True
    for name, text in inputs(chars).items():
        cpu, loop, wall, parts = [], [], [], defaultdict(list)
        intent = ""
        for _ in range(repeat):
            clock.spent.clear()
            c0, t0, w0 = time.process_time(), time.thread_time(), time.perf_counter()
            parsed = await agent.parse_message(text)
            cpu.append(time.process_time() - c0)
            loop.append(time.thread_time() - t0)
            wall.append(time.perf_counter() - w0)
            for label in labels:
                parts[label].append(clock.spent.get(label, 0.0))
            intent = f"{parsed['intent']['name']} ({len(parsed.get('entities') or [])} entities)"
        median = statistics.median(cpu)
        ok = ok and median < BUDGET_S
        print(
            f"{name:<32} {median * 1000:>8.0f} {statistics.median(loop) * 1000:>8.0f} "
            f"{statistics.median(wall) * 1000:>8.0f}  "
            + " ".join(f"{statistics.median(parts[label]) * 1000:>18.0f}" for label in labels)
            + f"  {intent}"
        )
    print(f"budget: {BUDGET_S * 1000:.0f} ms of CPU per message: {'met' if ok else 'EXCEEDED'}")
    return ok


def measure_turns(url: str, pid: int, chars: int) -> bool:
    """Each input as one whole turn on a running Rasa (REST), with that process's CPU time for it.

    The turn is everything Rasa does for it (NLU, the policies, the action call, the tracker
    store, the event broker); its CPU is read from /proc/<pid>/stat, all threads.
    """
    import json
    import urllib.request

    tick = os.sysconf("SC_CLK_TCK")

    def cpu_s() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    def say(text: str, sender: str) -> None:
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=120).read()

    say("你好", "nlu-worst-case-warm-up")
    print(f"One turn per input on {url} (Rasa pid {pid}): CPU of the Rasa process, and the answer's wall time")
    print(f"{'input':<32} {'CPU ms':>8} {'wall ms':>8}")
    ok = True
    cases = [*inputs(chars).items(), ("1 MB of 'a' (over the limit)", "a" * 1_000_000)]
    for i, (name, text) in enumerate(cases):
        c0, w0 = cpu_s(), time.perf_counter()
        say(text, f"nlu-worst-case-{i}-{time.time_ns()}")
        wall = time.perf_counter() - w0
        time.sleep(0.3)  # the event broker's background work lands in the figure too
        spent = cpu_s() - c0
        ok = ok and spent < BUDGET_S
        print(f"{name:<32} {spent * 1000:>8.0f} {wall * 1000:>8.0f}")
    print(f"budget: {BUDGET_S * 1000:.0f} ms of CPU per turn: {'met' if ok else 'EXCEEDED'}")
    return ok


def main() -> int:
    from contract.limits import MAX_MESSAGE_CHARS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=BOT / "models" / "current.tar.gz")
    parser.add_argument(
        "--config", type=Path, default=BOT / "config.yml", help="the pipeline the model was trained with"
    )
    parser.add_argument("--chars", type=int, default=MAX_MESSAGE_CHARS - 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rasa-url", help="measure whole turns on this running Rasa instead (with --rasa-pid)")
    parser.add_argument("--rasa-pid", type=int, help="the process id of that Rasa (its CPU time is read)")
    args = parser.parse_args()
    if args.rasa_url:
        if not args.rasa_pid:
            parser.error("--rasa-url needs --rasa-pid")
        return 0 if measure_turns(args.rasa_url.rstrip("/"), args.rasa_pid, args.chars) else 1
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.disable(logging.WARNING)
    os.chdir(BOT)  # as scripts/bot.sh runs Rasa
    return 0 if asyncio.run(measure(args.model.resolve(), args.config.resolve(), args.chars, args.repeat)) else 1


if __name__ == "__main__":
    sys.exit(main())
