"""The load benchmark's own generator (constant rate or closed loop), and a run's result.

``--procs`` forked processes share the connections; each speaks raw HTTP/1.1 over asyncio
streams on uvloop (no HTTP client library: about 0.3 ms of CPU a request). At a constant
rate, request ``j`` is due at ``j / rate`` s on connection ``j mod connections`` and its
latency counts from that time (no coordinated omission, as in wrk2).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import resource
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from urllib.parse import urlsplit

import uvloop
from load_requests import Request, requests_for, webhook_request

from benchmarks.measure import percentile


@dataclass
class Result:
    target: str
    rate: float | None  # offered requests/s; None: closed loop
    seconds: float
    ok: int
    latency_ms: tuple[float, float, float, float]  # p50, p90, p99, max of the successful requests
    errors: Counter[str]
    client: str
    client_cpu_s: float
    unsent: int = 0  # constant rate: requests due before the end that were never sent

    def line(self) -> str:
        done, errors = self.ok + sum(self.errors.values()), sum(self.errors.values())
        offered = f"offered {self.rate:6.1f}/s" if self.rate else "closed loop   "
        p50, p90, p99, top = self.latency_ms
        detail = f" [{', '.join(f'{k} {v}' for k, v in sorted(self.errors.items()))}]" if errors else ""
        unsent = f", {self.unsent} due but unsent" if self.unsent else ""
        return (
            f"{self.target:<8} {offered}  achieved {done / self.seconds:6.1f}/s  p50 {p50:6.1f}  p90 {p90:6.1f}  "
            f"p99 {p99:6.1f}  max {top:6.1f} ms  errors {errors}{detail}  ({done} requests in {self.seconds:.1f} s"
            f"{unsent}; {self.client} CPU {self.client_cpu_s / self.seconds:.0%} of one core)"
        )


def summarise(latencies_ms: list[float]) -> tuple[float, float, float, float]:
    if not latencies_ms:
        return (0.0, 0.0, 0.0, 0.0)
    return (percentile(latencies_ms, 50), percentile(latencies_ms, 90), percentile(latencies_ms, 99), max(latencies_ms))


@dataclass(frozen=True)
class GenSpec:
    """What one generator process does: its connections, their schedule and their requests."""

    target: str
    urls: tuple[str, ...]  # connection c talks to urls[c % len(urls)]
    connections: tuple[int, ...]  # this process's connection numbers
    total_connections: int
    rate: float | None
    start_at: float  # time.monotonic() of the first request (the clock is system-wide)
    duration: float
    timeout: float
    run_id: str


@dataclass
class GenOutput:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    unsent: int = 0
    cpu_s: float = 0.0
    finished_at: float = 0.0


def _encode(r: Request, host: str) -> bytes:
    head = f"{r.method} {r.path} HTTP/1.1\r\nHost: {host}\r\n"
    if r.body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(r.body)}\r\n"
    return (head + "\r\n").encode() + (r.body or b"")


def _request_maker(spec: GenSpec, connection: int) -> Callable[[int], bytes]:
    host = urlsplit(spec.urls[connection % len(spec.urls)]).netloc
    if spec.target == "webhook":
        return lambda n: _encode(webhook_request(spec.run_id, connection, n), host)
    fixed = [_encode(r, host) for r in requests_for(spec.target)]
    return lambda n: fixed[(connection + n) % len(fixed)]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; (status, whether the connection stays open)."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = int(head[9:12])
    if b"transfer-encoding: chunked" in head:
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        length = re.search(rb"content-length: *(\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
    return status, b"connection: close" not in head


class _Connection:
    """One keep-alive connection, reopened after an error."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def exchange(self, data: bytes) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(data)
        status, keep = await _read_response(reader)
        if not keep:
            self.close()
        return status

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _one(conn: _Connection, data: bytes, timeout: float, out: GenOutput, since: float) -> None:
    """Send one request; record its latency from ``since`` or its error."""
    try:
        status = await asyncio.wait_for(conn.exchange(data), timeout)
    except TimeoutError:
        out.errors["timeout"] += 1
        conn.close()
        return
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        out.errors["socket"] += 1
        conn.close()
        return
    if 200 <= status < 300:
        out.latencies_ms.append((time.monotonic() - since) * 1000)
    else:
        out.errors[f"status {status}"] += 1


async def _drive(spec: GenSpec, connection: int, out: GenOutput) -> None:
    """One connection: on its schedule (constant rate) or back to back (closed loop)."""
    make, conn = _request_maker(spec, connection), _Connection(spec.urls[connection % len(spec.urls)])
    end, n = spec.start_at + spec.duration, 0
    await asyncio.sleep(max(0.0, spec.start_at - time.monotonic()))
    while True:
        now = time.monotonic()
        due = now if spec.rate is None else spec.start_at + (connection + n * spec.total_connections) / spec.rate
        if due >= end:
            break
        if now >= end:  # constant rate, fallen behind: the rest of its schedule is never sent
            out.unsent += math.ceil((end - due) / (spec.total_connections / (spec.rate or 1.0)))
            break
        if due > now:
            await asyncio.sleep(due - now)
        await _one(conn, make(n), spec.timeout, out, due)
        n += 1
    conn.close()


def generate(spec: GenSpec) -> GenOutput:
    """Entry point of a generator process."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    out = GenOutput()

    async def run() -> None:
        await asyncio.gather(*(_drive(spec, c, out) for c in spec.connections))

    uvloop.run(run())
    after = resource.getrusage(resource.RUSAGE_SELF)
    out.cpu_s = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    out.finished_at = time.monotonic()
    return out


def run_generator(target: str, urls: list[str], args: argparse.Namespace, rate: float | None) -> Result:
    """``args.connections`` connections in ``args.procs`` processes (forked: no shared GIL)."""
    procs = max(1, min(args.procs, args.connections))
    with ProcessPoolExecutor(procs, mp_context=get_context("fork")) as pool:
        start_at = time.monotonic() + 1.0  # time for the processes to start
        specs = [
            GenSpec(
                target,
                tuple(urls),
                tuple(range(p, args.connections, procs)),
                args.connections,
                rate,
                start_at,
                args.duration,
                args.timeout,
                uuid.uuid4().hex[:8],
            )
            for p in range(procs)
        ]
        outputs = list(pool.map(generate, specs))
    latencies = sorted(ms for o in outputs for ms in o.latencies_ms)
    errors: Counter[str] = Counter()
    for o in outputs:
        errors.update(o.errors)
    seconds = max(o.finished_at for o in outputs) - start_at
    cpu = sum(o.cpu_s for o in outputs)
    unsent = sum(o.unsent for o in outputs)
    return Result(target, rate, seconds, len(latencies), summarise(latencies), errors, "generator", cpu, unsent)
