"""The listener hop: whether anything listens on the case's ports, and where.

Asked of the pasted sockets (``ss``, ``netstat``, Windows ``netstat -ano``) with
:func:`evidence.sockets.port_listening`: nothing listening (``not_listening``), or only
on 127.0.0.1 / ::1 (``listening_loopback_only``), fails; all addresses or one of the
instance's own addresses passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from diagnosis.case import Case
from diagnosis.findings import Finding
from diagnosis.host_hop import HostPaste
from diagnosis.probes import Leg, Probes, target_text
from evidence import ListenersEvidence
from evidence.sockets import PortListening, port_listening

FAILING = ("not_listening", "loopback_only")


def listener_finding(paste: HostPaste, legs: Sequence[Leg], probes: Probes, case: Case) -> Finding | None:
    """Whether something listens on the legs' ports beyond loopback (None: no TCP/UDP leg)."""
    value = paste.reading.value
    assert isinstance(value, ListenersEvidence)
    ported = [leg for leg in legs if leg.protocol in ("tcp", "udp") and leg.port is not None]
    if not ported:
        return None
    results = [(leg, _listening(value, leg)) for leg in ported]
    bad = [(leg, r) for leg, r in results if r.status in FAILING]
    good = [(leg, r) for leg, r in results if r.status not in FAILING]
    if (case.target.alternatives and good) or not bad:
        return _passed(paste, *good[0])
    return _failed(paste, value, *bad[0], probes, case)


def _listening(value: ListenersEvidence, leg: Leg) -> PortListening:
    assert leg.port is not None
    return port_listening(value, leg.port, "udp" if leg.protocol == "udp" else "tcp")


def _passed(paste: HostPaste, leg: Leg, found: PortListening) -> Finding:
    socket = found.sockets[0]
    return Finding(
        "listeners",
        "passed",
        source="listener",
        label=("socket", {"format": paste.reading.format, "line": str(paste.message_line(socket.line))}),
        text=paste.text_line(socket.line),
        reason=f"{leg.label()} is listened on at {', '.join(found.addresses)}.",
    )


def _failed(
    paste: HostPaste, value: ListenersEvidence, leg: Leg, found: PortListening, probes: Probes, case: Case
) -> Finding:
    fmt = paste.reading.format
    fields = {"target": leg.label(), "proto": leg.protocol.upper(), "port": str(leg.port), "format": fmt}
    if found.status == "not_listening":
        listening = target_text([Leg(s.protocol, s.port) for s in value.sockets]) or "-"
        return Finding(
            "listeners",
            "failed",
            cause="not_listening",
            source="listener",
            label=("no_socket", fields),
            text=f"listening: {listening}",
            reason=f"No socket in the pasted {fmt} output listens on {leg.label()}.",
            flow=leg.flow(case.direction, probes.preferred),
            fields=fields,
        )
    socket = found.sockets[0]
    line = paste.message_line(socket.line)
    fields |= {"address": ", ".join(found.addresses), "socket": paste.text_line(socket.line), "line": str(line)}
    return Finding(
        "listeners",
        "failed",
        cause="listening_loopback_only",
        source="listener",
        label=("socket", fields),
        text=paste.text_line(socket.line),
        reason=(
            f"{leg.label()} is listened on at {', '.join(found.addresses)} only: the loopback address, "
            "reachable from the instance itself."
        ),
        flow=leg.flow(case.direction, probes.preferred),
        fields=fields,
    )
