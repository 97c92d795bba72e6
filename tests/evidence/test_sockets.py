"""Listening sockets: ss and netstat (real output, listeners started in a namespace) and Windows netstat
(published real output), and the question the diagnosis asks: who listens on this port, and where?"""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import Listener, ListenersEvidence, UnreadableEvidenceError, read_evidence
from evidence.sockets import port_listening, read_ss, split_endpoint

DATA = Path(__file__).parent / "data" / "host"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def sockets(name: str) -> ListenersEvidence:
    reading = read_evidence(sample(name))
    assert reading is not None and isinstance(reading.value, ListenersEvidence)
    return reading.value


LINUX = ("ss_lntup.txt", "ss_tulpn.txt", "netstat_lntup.txt")


@pytest.mark.parametrize("name", LINUX)
@pytest.mark.parametrize(
    ("port", "protocol", "status", "addresses"),
    [
        ((8000), "tcp", "all_addresses", ("0.0.0.0",)),
        # Redis-style: 127.0.0.1 only.
        (6379, "tcp", "loopback_only", ("127.0.0.1",)),
        # PostgreSQL-style: ::1 only (ss prints [::1]:5432, netstat ::1:5432).
        (5432, "tcp", "loopback_only", ("::1",)),
        # A dual-stack socket on :: (ss prints *:8443, netstat :::8443).
        (8443, "tcp", "all_addresses", None),
        (9000, "tcp", "specific_address", ("10.200.0.1",)),
        (5353, "udp", "all_addresses", ("0.0.0.0",)),
        (5300, "udp", "loopback_only", ("127.0.0.1",)),
        # Nothing on 22 in the namespace; and a UDP socket does not answer TCP.
        (22, "tcp", "not_listening", ()),
        (5353, "tcp", "not_listening", ()),
    ],
)
def test_linux_listeners(name: str, port: int, protocol: str, status: str, addresses: tuple[str, ...] | None) -> None:
    found = port_listening(sockets(name), port, protocol)  # type: ignore[arg-type]
    assert found.status == status
    if addresses is not None:
        assert found.addresses == addresses


def test_a_socket_bound_to_the_lo_device_is_loopback_only() -> None:
    # systemd-resolved's shape: 127.0.0.53%lo:53; ss shows the device, netstat does not.
    found = port_listening(sockets("ss_lntup.txt"), 5355, "udp")
    assert (found.status, found.addresses) == ("loopback_only", ("127.0.0.53%lo",))


def test_rows_keep_their_line_and_process() -> None:
    listener = port_listening(sockets("ss_lntup.txt"), 8000, "tcp").sockets[0]
    assert listener.process == "python"
    assert sample("ss_lntup.txt").splitlines()[listener.line - 1].split()[4] == "0.0.0.0:8000"
    assert port_listening(sockets("netstat_lntup.txt"), 8000, "tcp").sockets[0].process == "python"


@pytest.mark.parametrize(
    ("name", "port", "status", "process"),
    [
        # RDP on all addresses, with its PID.
        ("windows_netstat_ano.txt", 3389, "all_addresses", "PID 344"),
        ("windows_netstat_ano.txt", 23, "specific_address", "PID 4508"),
        # Only a connection from port 50091: not a listener.
        ("windows_netstat_ano.txt", 50091, "not_listening", None),
        # A localised Windows (Russian header): read from its rows.
        ("windows_netstat_an_localized.txt", 80, "all_addresses", None),
        ("windows_netstat_an_localized.txt", 139, "specific_address", None),
    ],
)
def test_windows_netstat(name: str, port: int, status: str, process: str | None) -> None:
    found = port_listening(sockets(name), port, "tcp")
    assert found.status == status
    assert (found.sockets[0].process if found.sockets else None) == process


def test_connections_and_prompts_are_skipped_with_their_lines() -> None:
    reading = read_evidence(sample("windows_netstat_ano.txt"))
    assert reading is not None and reading.format == "netstat_windows"
    reasons = {s.line: s.reason for s in reading.skipped}
    assert reasons[1] == "a shell prompt line, not netstat -ano output"
    assert reasons[25] == "a connection (ESTABLISHED), not a listening socket"
    assert 2 not in reasons  # "Active Connections" is the tool's own title


@pytest.mark.parametrize(
    ("endpoint", "host", "port"),
    [
        ("[::1]:5432", "::1", "5432"),
        ("127.0.0.53%lo:53", "127.0.0.53%lo", "53"),
        ("[fe80::1]%eth0:546", "fe80::1%eth0", "546"),
        (":::22", "::", "22"),
        ("*:8443", "*", "8443"),
    ],
)
def test_endpoints(endpoint: str, host: str, port: str) -> None:
    assert split_endpoint(endpoint) == (host, port)


def test_a_bad_row_is_refused_with_its_line() -> None:
    text = sample("ss_lntup.txt").replace("0.0.0.0:8000", "0.0.0.0:eighty")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "eighty" in row)
    with pytest.raises(UnreadableEvidenceError) as caught:
        read_ss(text)
    assert caught.value.problems[0].line == line
    assert "-n" in caught.value.problems[0].problem


def test_the_listener_model() -> None:
    found = port_listening(ListenersEvidence((Listener("tcp", "::ffff:127.0.0.1", 80, None, 1),)), 80, "tcp")
    # Addresses are kept as read; an IPv4-mapped loopback still counts as loopback.
    assert found.status == "loopback_only"
