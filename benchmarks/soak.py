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
from load import CHAT, PORTS, QUESTIONS, REPO, free_port, started, wait_ready


def group_rss_mib(pgid: int) -> float:
    """RSS of every process in the process group ``pgid``, from /proc."""
    total_kib = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # fields after the name: state, ppid, pgrp, ...
                continue
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total_kib / 1024


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
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=30.0)
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
        wait_ready(f"{rasa_url}/status", _Proc(pids["rasa"]), 180, lambda r: bool(r.json().get("model_file")))

        counts = {"ok": 0, "errors": 0}
        started_at = time.monotonic()
        deadline = started_at + args.warmup + args.duration

        async def run() -> list[tuple[float, dict[str, float]]]:
            load = asyncio.create_task(drive(app_url, rasa_url, args.concurrency, deadline, counts))
            samples: list[tuple[float, dict[str, float]]] = []
            await asyncio.sleep(args.warmup)
            print(f"soak: {args.concurrency} streams, {args.duration:g} s after {args.warmup:g} s warm-up; RSS in MiB")
            print(f"{'t (s)':>7} " + " ".join(f"{n:>9}" for n in pids) + f" {'requests':>9} {'errors':>7}")
            while True:
                now = time.monotonic()
                rss = {name: group_rss_mib(pid) for name, pid in pids.items()}
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
        first, last = samples[0], samples[-1]
        growth = {n: last[1][n] - first[1][n] for n in pids}
        print(
            "growth after warm-up: "
            + ", ".join(
                f"{n} {growth[n]:+.1f} MiB ({growth[n] / max(1.0, last[0] - first[0]) * 60:+.2f} MiB/min)" for n in pids
            )
        )
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
