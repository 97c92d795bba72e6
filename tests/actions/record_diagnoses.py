"""Record the real app's answers to POST /v1/diagnose for the action tests' fake app.

The action tests run in the Rasa environment, where the app cannot run; they answer with
what the app really said. Run this in the app's environment after the diagnosis engine
or its data change (``.venv/bin/python -m tests.actions.record_diagnoses``): each file of
``tests/actions/data/`` is a conversation, a list of ``{"request", "status", "body"}``
exchanges, each request sending the case the previous answer returned.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
IPTABLES = (REPO / "tests" / "evidence" / "data" / "host" / "iptables_S.txt").read_text(encoding="utf-8")
CONSOLE_TABLE = (REPO / "tests" / "diagnosis" / "data" / "sg_ssh_office.tsv").read_text(encoding="utf-8")
TOO_LONG = "-P INPUT DROP\n" + "\n".join(
    f"-A INPUT -s 10.0.{i % 250}.0/24 -p tcp -m tcp --dport {1024 + i} -j ACCEPT" for i in range(400)
)

# file -> the user's messages, in order.
CONVERSATIONS: dict[str, list[str]] = {
    # A description alone: the next check, what to run and what to paste.
    "zh_next_check": ["8443访问不了"],
    # A description with iptables -S pasted under it: a conclusion with an iptables command.
    "en_firewall_conclusion": ["mysql 3306 times out\n" + IPTABLES],
    # Three turns: a description, the console's rule table, the user's address: a conclusion
    # with a tccli command, and a need (the pasted table has no group id).
    "zh_source_mismatch": ["ssh 超时", CONSOLE_TABLE, "我的IP是 203.0.113.9"],
    # A Chinese case, then iptables -S pasted alone (Latin letters only): the answer stays Chinese.
    "zh_paste_alone": ["mysql 3306 连接超时", IPTABLES],
    # "Still not working" after every check: no cause found, a person should look.
    "en_unknown": ["ssh timeout"] + ["still not working"] * 5,
    # A paste longer than the app reads: 413 with what to paste instead.
    "too_long": [TOO_LONG],
    "too_long_zh": ["iptables 规则如下\n" + TOO_LONG],
}


def record(client: Any, messages: list[str]) -> list[dict[str, Any]]:
    exchanges: list[dict[str, Any]] = []
    case = None
    for text in messages:
        request = {"case": case, "text": text, "language": None}
        response = client.post("/v1/diagnose", json=request)
        if len(text) > 5_000:  # not kept: CONVERSATIONS says what it was
            request = {**request, "text": f"<{len(text)} characters>"}
        exchanges.append({"request": request, "status": response.status_code, "body": response.json()})
        if response.status_code == 200:
            case = response.json()["case"]
    return exchanges


def record_stale_case(client: Any) -> list[dict[str, Any]]:
    """A case the app no longer accepts (a check id it does not know): 422 naming the case."""
    stale = json.loads((DATA / "zh_next_check.json").read_text("utf-8"))[0]["body"]["case"]
    stale["checks"][0]["id"] = "retired_check"
    response = client.post("/v1/diagnose", json={"case": stale, "text": "还是不行", "language": None})
    return [{"request": {"case": stale, "text": "还是不行"}, "status": response.status_code, "body": response.json()}]


def main() -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from helpdesk.settings import Settings

    root = Path(tempfile.mkdtemp())
    settings = Settings(index_dir=REPO / "var" / "index", data_dir=root / "data", threads=2)
    with TestClient(create_app(settings)) as client:
        for name, messages in CONVERSATIONS.items():
            path = DATA / f"{name}.json"
            path.write_text(json.dumps(record(client, messages), ensure_ascii=False, indent=1) + "\n", "utf-8")
            print(path.relative_to(REPO))
        stale = record_stale_case(client)
        (DATA / "stale_case.json").write_text(json.dumps(stale, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
