"""The diagnosis maps 1:1 onto the contract's DiagnosisPayload."""

from __future__ import annotations

import json
from typing import Any, get_type_hints

import pytest

from contract.payloads import CheckItem, DecidedBy, DiagnosisPayload, FixItem
from diagnosis import Diagnoser
from tests.diagnosis.conftest import paste, start


def _keys(typed: Any) -> set[str]:
    return set(get_type_hints(typed))


@pytest.mark.parametrize(
    "text",
    [
        "8443访问不了",  # next checks: no cause, no fix
        "mysql 3306 连接超时\n" + paste("host/iptables_S.txt"),  # a conclusion with a command
        "redis refuses connections from my laptop\n" + paste("host/ss_lntup.txt"),
    ],
)
def test_the_payload_has_the_contract_shape(diagnoser: Diagnoser, text: str) -> None:
    payload = start(diagnoser, text).to_payload()
    json.dumps(payload)  # plain JSON
    assert set(payload) == _keys(DiagnosisPayload)
    assert payload["kind"] == "diagnosis"
    for check in payload["checks"]:
        assert set(check) == _keys(CheckItem)
        assert check["status"] in ("passed", "failed", "unknown", "todo")
    if payload["cause"] is None:
        assert payload["fix"] is None and payload["decided_by"] is None and payload["needs"]
    else:
        assert payload["decided_by"] is not None and set(payload["decided_by"]) == _keys(DecidedBy)
        assert payload["fix"] is not None and set(payload["fix"]) == _keys(FixItem)
        for command in payload["fix"]["commands"]:
            assert set(command) == {"tool", "command"}
