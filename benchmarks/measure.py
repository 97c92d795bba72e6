"""What every benchmark needs, with the standard library only (the Rasa environment imports it too)."""

from __future__ import annotations

import socket
from pathlib import Path


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``: the nearest rank, no interpolation.

    Raises:
        ValueError: ``values`` is empty.
    """
    if not values:
        raise ValueError("no values to take a percentile of")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (workers, children of workers), alive now."""
    found = [pid]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += process_tree(child)
    return found


def tree_memory_mb(pid: int, field: str = "VmRSS") -> float:
    """Memory of a process and its descendants, in MB: ``VmRSS`` (resident now) or ``VmHWM`` (peak)."""
    total_kb = 0
    for p in process_tree(pid):
        try:
            lines = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        total_kb += sum(int(line.split()[1]) for line in lines if line.startswith(f"{field}:"))
    return total_kb / 1024


def tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process and its live descendants, all their threads
    (``/proc/<pid>/task/<tid>/schedstat``: nanoseconds, unlike the 10 ms ticks of ``stat``)."""
    total_ns = 0
    for p in process_tree(pid):
        try:
            tasks = list(Path(f"/proc/{p}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                total_ns += int((task / "schedstat").read_text().split()[0])
            except (OSError, IndexError, ValueError):
                continue  # the thread ended meanwhile
    return total_ns / 1e9
