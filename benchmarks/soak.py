"""Soak: steady load for a long time, sampling each process's memory, to show it stays flat.

    .venv/bin/python benchmarks/soak.py                      # 10 minutes (not run in CI)
    .venv/bin/python benchmarks/soak.py --duration 120 --interval 10

Starts the app, the action server and Rasa on loopback (as benchmarks/load.py does),
then for ``--duration`` seconds sends ``--concurrency`` parallel streams of requests:
conversations over Rasa's REST webhook (fresh senders, so the tracker store grows as in
production) interleaved with ``/v1/answer`` and port verdicts. Every ``--interval``
seconds it prints the resident memory (RSS, MiB) of each service, summed over its
process group (uvicorn workers included), and at the end the growth from the first
sample after warm-up to the last, per service. Loopback only; bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_requests import CHAT, PORTS, QUESTIONS
from procstats import REPO, group_rss_mib, started, wait_ready

from benchmarks.measure import free_port

Sample = tuple[float, dict[str, float]]  # (seconds since start, RSS MiB per service)


def slope_mib_per_min(samples: list[Sample], name: str) -> float:
    """Least-squares slope of one service's RSS over the samples, in MiB per minute."""
    xs, ys = [t for t, _ in samples], [rss[name] for _, rss in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0


def minute_mean(samples: list[Sample], name: str, last: bool) -> float:
    """Mean RSS of one service over the first (or last) minute of the samples."""
    edge = samples[-1][0] - 60 if last else samples[0][0] + 60
    window = [rss[name] for t, rss in samples if (t >= edge if last else t <= edge)]
    return sum(window) / len(window)


def summary(samples: list[Sample], names: list[str]) -> list[str]:
    lines = ["after warm-up: first-minute mean -> last-minute mean RSS, least-squares slope over all samples"]
    for n in names:
        first, last = minute_mean(samples, n, last=False), minute_mean(samples, n, last=True)
        lines.append(
            f"  {n:<8} {first:7.1f} -> {last:7.1f} MiB ({last - first:+.1f}), "
            f"slope {slope_mib_per_min(samples, n):+.2f} MiB/min"
        )
    return lines


async def drive(app_url: str, rasa_url: str, concurrency: int, deadline: float, counts: dict[str, int]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:

        async def stream(n: int) -> None:
            i = 0
            while time.monotonic() < deadline:
                sender = f"soak-{n}-{uuid.uuid4().hex[:8]}"
                for text in CHAT:
                    try:
                        r = await client.post(
                            f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
                        )
                        counts["ok" if r.status_code == 200 and r.json() else "errors"] += 1
                        r = await client.post(f"{app_url}/v1/answer", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                        counts["ok" if r.status_code == 200 else "errors"] += 1
                        protocol, port = PORTS[i % len(PORTS)]
                        r = await client.get(f"{app_url}/v1/ports/{protocol}/{port}")
                        counts["ok" if r.status_code == 200 else "errors"] += 1
                    except httpx.HTTPError:
                        counts["errors"] += 1
                    i += 1

        await asyncio.gather(*(stream(n) for n in range(concurrency)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds after warm-up (default 10 minutes)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between RSS samples")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds of load before the baseline sample")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="helpdesk-soak-"))
    app_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    app_url, rasa_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{rasa_port}"
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "HELPDESK_RATE_LIMIT": "off",
        "HELPDESK_DATA_DIR": str(work / "data"),
        "RASA_TRACKER_DB": str(work / "tracker.db"),
        "HELPDESK_PORT": str(app_port),
        "HELPDESK_WORKERS": str(args.workers),
        "HELPDESK_API_URL": app_url,
        "ACTIONS_PORT": str(actions_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "RASA_PORT": str(rasa_port),
    }
    services = {
        "app": started([str(REPO / ".venv/bin/helpdesk"), "serve"], env, work / "app.log"),
        "actions": started([str(REPO / "scripts/bot.sh"), "actions"], env, work / "actions.log"),
        "rasa": started([str(REPO / "scripts/bot.sh"), "server"], env, work / "rasa.log"),
    }
    pids: dict[str, int] = {}
    try:
        for name, cm in services.items():
            pids[name] = cm.__enter__().pid
        wait_ready(f"{app_url}/readyz", _Proc(pids["app"]), 300, lambda r: r.status_code == 200)
        wait_ready(
            f"http://127.0.0.1:{actions_port}/health", _Proc(pids["actions"]), 60, lambda r: r.status_code == 200
        )
        # Rasa's HTTP API is off (scripts/bot.sh); the REST channel answers once the model is loaded.
        wait_ready(f"{rasa_url}/webhooks/rest/", _Proc(pids["rasa"]), 180, lambda r: r.json().get("status") == "ok")

        counts = {"ok": 0, "errors": 0}
        started_at = time.monotonic()
        deadline = started_at + args.warmup + args.duration

        async def run() -> list[Sample]:
            load = asyncio.create_task(drive(app_url, rasa_url, args.concurrency, deadline, counts))
            samples: list[Sample] = []
            await asyncio.sleep(args.warmup)
            print(f"soak: {args.concurrency} streams, {args.duration:g} s after {args.warmup:g} s warm-up; RSS in MiB")
            print(f"{'t (s)':>7} " + " ".join(f"{n:>9}" for n in pids) + f" {'requests':>9} {'errors':>7}")
            while True:
                now = time.monotonic()
                rss = {name: group_rss_mib(pid)[0] for name, pid in pids.items()}
                samples.append((now - started_at, rss))
                print(
                    f"{now - started_at:7.0f} "
                    + " ".join(f"{rss[n]:9.1f}" for n in pids)
                    + f" {counts['ok'] + counts['errors']:9d} {counts['errors']:7d}",
                    flush=True,
                )
                if now >= deadline:
                    break
                await asyncio.sleep(min(args.interval, max(0.0, deadline - now)))
            await load
            return samples

        samples = asyncio.run(run())
        print("\n".join(summary(samples, list(pids))))
        print(json.dumps({"requests": counts["ok"] + counts["errors"], "errors": counts["errors"]}))
    finally:
        for cm in reversed(list(services.values())):
            cm.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)
    return 0


class _Proc:
    """The part of Popen that ``wait_ready`` needs, for a process started in ``services``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.returncode = -1
            return -1
        return None


if __name__ == "__main__":
    sys.exit(main())
