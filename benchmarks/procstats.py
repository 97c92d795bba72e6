"""The benchmarks' processes: start and stop them, wait for them, and read their CPU and memory."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol

import httpx

REPO = Path(__file__).resolve().parents[1]


class Pollable(Protocol):
    def poll(self) -> int | None: ...


def wait_ready(url: str, process: Pollable, timeout: float, check: Callable[[httpx.Response], bool]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (code := process.poll()) is not None:
            raise RuntimeError(f"{url}: process exited with {code}")
        with suppress(httpx.HTTPError, ValueError):
            if check(httpx.get(url, timeout=2)):
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s")


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process in a session (process group) of its own, stopped with that whole group."""
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
            process.wait()


def _group_stats(pgid: int) -> Iterator[tuple[str, list[str]]]:
    """(pid, /proc/pid/stat fields after the name) of every process in process group ``pgid``."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # fields: state, ppid, pgrp, ...
                yield entry, fields


def group_rss_mib(pgid: int) -> tuple[float, int]:
    """Summed RSS (MiB) and number of the processes in process group ``pgid``."""
    total_kib, count = 0, 0
    for pid, _ in _group_stats(pgid):
        with suppress(OSError, ValueError, IndexError), open(f"/proc/{pid}/status") as f:
            total_kib += sum(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            count += 1
    return total_kib / 1024, count


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of process group ``pgid``."""
    return sum(int(f[11]) + int(f[12]) for _, f in _group_stats(pgid)) / os.sysconf("SC_CLK_TCK")


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has been busy (all CPUs, /proc/stat), for "everything else"."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {"busy": busy_cpu_s(), **{name: group_cpu_s(pid) for name, pid in pids.items()}}
