"""What the user typed about ports, turned into (protocol, port) queries (actions/ports_input.py)."""

from __future__ import annotations

import pytest

from actions.ports_input import MAX_PORTS, PortInputError, PortRequest, parse_ports, parse_protocols


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["445"], [445]),
        (["135-139"], [135, 136, 137, 138, 139]),
        (["139-135"], [135, 136, 137, 138, 139]),  # written backwards: still the range
        (["135 到 139"], [135, 136, 137, 138, 139]),
        (["80", "443", "80"], [80, 443]),  # each port once, in the order asked
        (["port"], []),  # no digits: nothing to check
    ],
)
def test_ports_are_expanded_in_order(values: list[str], expected: list[int]) -> None:
    assert parse_ports(values) == expected


@pytest.mark.parametrize(
    ("values", "code", "details"),
    [
        (["0"], "invalid_port", {"port": 0}),
        (["65536"], "invalid_port", {"port": 65536}),
        (["1-1000"], "too_many_ports", {"count": 1000, "limit": MAX_PORTS}),
    ],
)
def test_ports_outside_the_range_or_too_many_are_refused(values: list[str], code: str, details: dict[str, int]) -> None:
    with pytest.raises(PortInputError) as err:
        parse_ports(values)
    assert (err.value.code, err.value.details) == (code, details)


def test_protocols_are_distinct_and_lower_case() -> None:
    assert parse_protocols(["UDP", "tcp", "udp", "icmp"]) == ["udp", "tcp"]
    assert parse_protocols([]) == []


def test_a_request_asks_every_protocol_for_every_port() -> None:
    assert PortRequest([22, 80], ["tcp", "udp"]).queries() == [("tcp", 22), ("udp", 22), ("tcp", 80), ("udp", 80)]
