"""Readers of listening sockets (``ss``, Linux ``netstat``, Windows ``netstat -ano``) and the
question the diagnosis asks of them: is anything listening on this port, and where?

* ``ss -lntup`` / ``ss -tulpn`` (with or without the ``Netid`` column): ``*:22``,
  ``0.0.0.0:22``, ``[::]:22``, ``127.0.0.1:6379``, ``[::1]:5432``,
  ``127.0.0.53%lo:53``, ``users:(("sshd",pid=1,fd=3))``; port names (without ``-n``)
  are read from the services table.
* ``netstat -lntup`` (net-tools): ``tcp``/``tcp6``/``udp``/``udp6`` rows, ``:::22``,
  ``PID/Program name``.
* Windows ``netstat -ano``: ``TCP 0.0.0.0:3389 0.0.0.0:0 LISTENING 1064``, UDP rows without
  a state.

Only listening TCP sockets and bound UDP sockets are kept; connections (``ESTAB``,
``ESTABLISHED``, ``TIME_WAIT``…) are skipped with the reason, and so is every line that
is not a socket row. A row that looks like a socket but cannot be read refuses the paste.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from evidence._host_lines import Line, not_output, numbered, problem, skipped
from evidence._host_ports import port_number
from evidence.errors import LineProblem, UnreadableEvidenceError
from evidence.models import EvidenceFormat, Listener, ListenersEvidence, Reading, Skipped

SS_NEEDS = "Paste the whole output of `ss -lntup`, unchanged."
NETSTAT_NEEDS = "Paste the whole output of `netstat -lntup`, unchanged."
WINDOWS_NEEDS = "Paste the whole output of `netstat -ano` (run in cmd or PowerShell), unchanged."
_SS_HEADER = re.compile(r"^\s*(?:Netid\s+)?State\s+Recv-Q\s+Send-Q\s+Local\s+Address:Port\s+Peer\s+Address:Port")
_NETSTAT_HEADER = re.compile(r"^\s*Proto\s+Recv-Q\s+Send-Q\s+Local\s+Address\s+Foreign\s+Address\s+State")
_WINDOWS_HEADER = re.compile(r"^\s*Proto\s+Local\s+Address\s+Foreign\s+Address\s+State(?:\s+PID)?\s*$")
# A Windows row: upper-case TCP/UDP and LISTENING-style states; a localised Windows translates the
# header (e.g. Russian) but not the rows, so a row is enough to recognise the output.
_WINDOWS_ROW = re.compile(r"^\s*(?:TCP\s+\S+:\d+\s+\S+:\S+\s+[A-Z_]+|UDP\s+\S+:\d+\s+\S+:\S+)(?:\s+\d+)?\s*$")
_SS_STATES = (
    "LISTEN",
    "UNCONN",
    "ESTAB",
    "TIME-WAIT",
    "CLOSE-WAIT",
    "SYN-SENT",
    "SYN-RECV",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "LAST-ACK",
    "CLOSING",
    "CLOSED",
)
# Title lines the tools print above the header (Linux and Windows netstat).
_TITLES = re.compile(r"^\s*Active (?:Internet connections|Connections)\b")
_PROCESS = re.compile(r'users:\(\("(?P<name>[^"]*)"')
_WILDCARD = ("0.0.0.0", "::", "*")


def looks_like_ss(text: str) -> bool:
    """The ``ss`` column header (``State Recv-Q Send-Q Local Address:Port Peer Address:Port``)."""
    return any(_SS_HEADER.match(line) for line in text.splitlines())


def looks_like_netstat(text: str) -> bool:
    """Linux netstat's header (``Proto Recv-Q Send-Q Local Address Foreign Address State``)."""
    return any(_NETSTAT_HEADER.match(line) for line in text.splitlines())


def looks_like_windows_netstat(text: str) -> bool:
    """Windows netstat's header (``Proto Local Address Foreign Address State PID``), or its rows."""
    return any(_WINDOWS_HEADER.match(line) or _WINDOWS_ROW.match(line) for line in text.splitlines())


class _RowError(ValueError):
    """A socket row that cannot be read."""


# A row reader gives a Listener, a reason to skip the row, or "" for a line that is no row at all.
_RowReader = Callable[[Line, Sequence[str]], "Listener | str"]


def split_endpoint(text: str) -> tuple[str, str]:
    """``[::1]:5432`` -> (``::1``, ``5432``); ``127.0.0.53%lo:53`` -> (``127.0.0.53%lo``, ``53``).

    Raises:
        _RowError: no ``:port``.
    """
    host, colon, port = text.rpartition(":")
    if not colon or not host:
        raise _RowError(f"{text!r} is not address:port")
    if host.startswith("[") and "]" in host:
        inner, _, scope = host[1:].partition("]")
        host = inner + scope
    return host, port


def normalise_address(host: str) -> str:
    """``::ffff:127.0.0.1`` -> ``127.0.0.1``; ``0:0:0:0:0:0:0:0`` -> ``::``; other text as printed."""
    bare, percent, scope = host.partition("%")
    try:
        address = ipaddress.ip_address(bare)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address) + (percent + scope if percent else "")


def _listener(protocol: str, endpoint: str, process: str | None, line: Line) -> Listener:
    host, port_text = split_endpoint(endpoint)
    port = port_number(port_text, protocol)
    if port is None or not 0 < port < 65536:
        raise _RowError(f"port {port_text!r} is not a port number (run the command with -n)")
    kind: Literal["tcp", "udp"] = "udp" if protocol.startswith("udp") else "tcp"
    return Listener(kind, normalise_address(host), port, process, line.number)


def read_ss(text: str) -> Reading:
    """Read ``ss -lntup`` output.

    Raises:
        UnreadableEvidenceError: a socket row that cannot be read.
    """
    return _read(text, "ss", _SS_HEADER, _ss_row, SS_NEEDS)


def read_netstat(text: str) -> Reading:
    """Read Linux ``netstat -lntup`` output.

    Raises:
        UnreadableEvidenceError: a socket row that cannot be read.
    """
    return _read(text, "netstat", _NETSTAT_HEADER, _netstat_row, NETSTAT_NEEDS)


def read_windows_netstat(text: str) -> Reading:
    """Read Windows ``netstat -ano`` output.

    Raises:
        UnreadableEvidenceError: a socket row that cannot be read.
    """
    return _read(text, "netstat_windows", _WINDOWS_HEADER, _windows_row, WINDOWS_NEEDS, _WINDOWS_ROW)


def _read(
    text: str,
    format: EvidenceFormat,
    header: re.Pattern[str],
    row: _RowReader,
    needs: str,
    first_row: re.Pattern[str] | None = None,
) -> Reading:
    lines = numbered(text)
    start = next((i for i, line in enumerate(lines) if header.match(line.text)), None)
    if start is None and first_row is not None:
        # No header this reader knows (a localised one): the rows start after the line before the first row.
        start = next((i - 1 for i, line in enumerate(lines) if first_row.match(line.text)), None)
    if start is None:
        raise UnreadableEvidenceError(format, [LineProblem(None, "", "no column header line")], needs)
    columns = lines[start].text.split() if start >= 0 else []
    tool = {"ss": "ss", "netstat": "netstat", "netstat_windows": "netstat -ano"}[format]
    sockets: list[Listener] = []
    before = lines[: max(start, 0)]
    skips: list[Skipped] = [
        not_output(line, tool) for line in before if line.text.strip() and not _TITLES.match(line.text)
    ]
    problems: list[LineProblem] = []
    for line in lines[start + 1 :]:
        if not line.text.strip():
            continue
        try:
            found = row(line, columns)
        except _RowError as e:
            problems.append(problem(line, str(e)))
            continue
        if isinstance(found, Listener):
            sockets.append(found)
        else:
            skips.append(skipped(line, found) if found else not_output(line, tool))
    if problems:
        raise UnreadableEvidenceError(format, problems, needs)
    return Reading(format, ListenersEvidence(tuple(sockets)), tuple(skips))


def _ss_row(line: Line, columns: Sequence[str]) -> Listener | str:
    words = line.text.split()
    netid = words.pop(0).lower() if columns[0] == "Netid" and words else None
    if not words or words[0] not in _SS_STATES:
        return ""
    if len(words) < 5:
        raise _RowError("too few columns for a socket")
    state, local = words[0], words[3]
    protocol = netid or ("udp" if state == "UNCONN" else "tcp")
    if protocol not in ("tcp", "udp"):
        return f"a {protocol} socket, not TCP or UDP"
    if state not in ("LISTEN", "UNCONN"):
        return f"a connection ({state}), not a listening socket"
    process = _PROCESS.search(line.text)
    return _listener(protocol, local, process.group("name") if process else None, line)


def _netstat_row(line: Line, columns: Sequence[str]) -> Listener | str:
    del columns
    words = line.text.split()
    if not words or words[0] not in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix"):
        return ""
    if words[0] not in ("tcp", "tcp6", "udp", "udp6"):
        return f"a {words[0]} socket, not TCP or UDP"
    if len(words) < 5:
        raise _RowError("too few columns for a socket")
    protocol, local = words[0], words[3]
    rest = words[5:]
    if protocol.startswith("tcp"):
        state = rest[0] if rest else ""
        if state != "LISTEN":
            return f"a connection ({state or 'no state'}), not a listening socket"
        rest = rest[1:]
    elif rest and rest[0] in ("ESTABLISHED",):
        return "a connected UDP socket, not a listening one"
    process = rest[0].partition("/")[2] or None if rest and rest[0] != "-" else None
    return _listener(protocol, local, process, line)


def _windows_row(line: Line, columns: Sequence[str]) -> Listener | str:
    del columns
    words = line.text.split()
    if not words or words[0] not in ("TCP", "UDP"):
        return ""
    if len(words) < 3:
        raise _RowError("too few columns for a socket")
    protocol, local = words[0].lower(), words[1]
    rest = words[3:]
    if protocol == "tcp":
        state = rest[0] if rest else ""
        if state != "LISTENING":
            return f"a connection ({state or 'no state'}), not a listening socket"
        rest = rest[1:]
    pid = rest[0] if rest else None
    return _listener(protocol, local, f"PID {pid}" if pid else None, line)


# --- the question the diagnosis asks -----------------------------------------------------------

ListeningStatus = Literal["not_listening", "loopback_only", "all_addresses", "specific_address"]


@dataclass(frozen=True)
class PortListening:
    """Whether anything listens on one port, and where.

    Attributes:
        status: ``not_listening``; ``loopback_only`` (127.0.0.1, ::1 or bound to ``lo``:
            only the instance itself can connect); ``all_addresses`` (0.0.0.0, ``::``, ``*``);
            ``specific_address`` (one or more of the instance's own addresses).
        addresses: The addresses listened on, as printed (normalised), in paste order.
        sockets: The matching sockets (each with its line in the paste).
    """

    status: ListeningStatus
    addresses: tuple[str, ...]
    sockets: tuple[Listener, ...]


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1, or any address bound to the ``lo`` device (``%lo``)."""
    bare, _, scope = address.partition("%")
    if scope == "lo":
        return True
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return False
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return (mapped or ip).is_loopback


def is_wildcard(address: str) -> bool:
    """0.0.0.0, ``::`` or ``*`` with no device: every address of the instance."""
    return address in _WILDCARD


def port_listening(evidence: ListenersEvidence, port: int, protocol: Literal["tcp", "udp"]) -> PortListening:
    """Who listens on ``port``/``protocol``: everywhere, on one address, on loopback only, or nobody."""
    sockets = tuple(s for s in evidence.sockets if s.port == port and s.protocol == protocol)
    addresses = tuple(dict.fromkeys(s.address for s in sockets))
    status: ListeningStatus
    if not sockets:
        status = "not_listening"
    elif any(is_wildcard(a) for a in addresses):
        status = "all_addresses"
    elif all(is_loopback(a) for a in addresses):
        status = "loopback_only"
    else:
        status = "specific_address"
    return PortListening(status, addresses, sockets)
