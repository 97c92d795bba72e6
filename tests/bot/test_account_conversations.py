"""End to end on the real Rasa, with the app reading an account: the local fake Tencent Cloud API
(tests/account/fake_cloud.py) stands in for the account, on loopback, and the app is started with
TENCENTCLOUD_* pointing at it, as an operator would configure a real one.

"Why can't I delete sg-…?" and "why can't I reach 8080 on ins-…?" are answered from the fake
account's state; a wrong key, a key without the VPC permission, throttling and the API down each
become a clear reply, and the operator sees every call and what to fix. Nothing leaves this machine.

Each test asks about ids no earlier test read: the app caches answers for 30 s, so a fault played
by the fake is met only by a question the cache cannot answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.account.fake_cloud import FakeCloud, FakeKey
from tests.account.scenario import SECRET_ID, SECRET_KEY, standard_account
from tests.stack import BotStack, running_stack

# The helpdesk reads the account for every conversation; a throttled read waits up to 3.5 s, a
# slow or dead API up to the client's timeout (5 s): the actions wait for the app longer than that.
ACTIONS_API_TIMEOUT_S = "30"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    cloud = FakeCloud(standard_account(), {SECRET_ID: FakeKey(SECRET_KEY)})
    with cloud.running():
        yield cloud


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake: FakeCloud) -> Iterator[BotStack]:
    """The app, the action server and Rasa as the run command starts them, the app reading the fake account."""
    work = tmp_path_factory.mktemp("account-stack")
    account = {
        "HELPDESK_API_TIMEOUT": ACTIONS_API_TIMEOUT_S,
        # The read-only key, as the README tells an operator to set it; the endpoint is the fake's.
        "TENCENTCLOUD_SECRET_ID": SECRET_ID,
        "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
        "TENCENTCLOUD_REGION": "ap-guangzhou",
        "HELPDESK_TENCENTCLOUD_ENDPOINT": fake.url,
    }
    with running_stack(work, account) as running:
        yield running
    # The app's log never holds the key (the SDK's header-logging is kept off).
    log = (work / "app.log").read_text(errors="replace")
    assert SECRET_KEY not in log and SECRET_ID not in log


@pytest.fixture
def sender() -> str:
    return f"account-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def healthy(fake: FakeCloud) -> Iterator[None]:
    """Every test starts from the standard account and a working key; throttling off."""
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY)}
    fake.throttle_left = 0
    fake.delay_s = 0.0
    yield
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY)}
    fake.throttle_left = 0


def payload(payloads: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [p for p in payloads if p.get("kind") == kind]
    assert found, f"no {kind} reply in {payloads}"
    return found[0]


def calls(stack: BotStack, conversation: str | None = None) -> dict[str, Any]:
    params = {"conversation_id": conversation} if conversation else {"limit": 1000}
    body: dict[str, Any] = stack.admin("GET", "/v1/admin/account-calls", params=params)
    return body


def ready(stack: BotStack, state: str, reason: str = "") -> dict[str, Any]:
    """/readyz's account part once it shows ``state`` (and a reason holding ``reason``): each of the
    app's workers reads the recorded calls again in the background, so it catches up within seconds."""
    deadline = time.monotonic() + 15
    while True:
        account: dict[str, Any] = httpx.get(f"{stack.app_url}/readyz", timeout=10).json()["account"]
        settled = account["state"] == state and (reason in (account["reason"] or "") if reason else True)
        if state == "configured":
            settled = settled and not account["problems"]
        if settled or time.monotonic() > deadline:
            return account
        time.sleep(0.2)


def no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET_KEY not in text and SECRET_ID not in text


def test_why_a_group_cannot_be_deleted_is_read_from_the_account(stack: BotStack, sender: str) -> None:
    reply, payloads = stack.chat("why can't I delete sg-old00001?", sender)
    deletion = payload(payloads, "delete_diagnosis")
    assert deletion["security_group_id"] == "sg-old00001" and deletion["deletable"] is False
    assert [b["kind"] for b in deletion["blockers"]] == [
        "referenced_by_rule",
        "bound_resource",
        "bound_instance",
        "recycle_bin_instance",
    ]
    # Every blocker named, in the order to clear them, and what was read when.
    assert "sg-old00001 cannot be deleted yet. Clear these, in this order:" in reply
    order = [
        reply.index(s) for s in ("1. sg-ref00001", "2. 1 load balancer (CLB)", "3. ins-run00001", "4. ins-old00001")
    ]
    assert order == sorted(order)
    assert "in the recycle bin because it was returned" in reply and "cannot be undone" in reply
    assert "From your account: read sg-old00001 in ap-guangzhou at " in reply
    assert deletion["account"]["summary"].endswith("1 CLB, 2 CVM bound; 1 group refers to it")
    assert deletion["account"]["error"] is None
    assert "sg-xxxxxxxx" not in reply  # no request to paste ids: the account said it all
    # The operator sees each call with the conversation that caused it.
    recorded = calls(stack, sender)
    assert recorded["total"] == 5 and {c["result"] for c in recorded["calls"]} == {"ok"}
    assert recorded["account"]["state"] == "configured"
    no_secret(reply, str(payloads), str(recorded))


def test_the_default_group_in_chinese(stack: BotStack, sender: str) -> None:
    reply, payloads = stack.chat("sg-dflt0001 为什么删不掉", sender)
    deletion = payload(payloads, "delete_diagnosis")
    assert [b["kind"] for b in deletion["blockers"]] == ["default_group"]
    assert "sg-dflt0001 是默认安全组，不能删除" in reply and "已从您的账号读取（ap-guangzhou，" in reply


def reachability_is_read(stack: BotStack, text: str, sender: str) -> tuple[str, dict[str, Any]]:
    reply, payloads = stack.chat(text, sender)
    diagnosis = payload(payloads, "diagnosis")
    # The fake account's subnet ACL allows only 22 and 80 in: it decides, before the security groups.
    assert diagnosis["cause"] == "network_acl_drop"
    assert diagnosis["decided_by"]["source"] == "network_acl" and "acl-web00001" in diagnosis["decided_by"]["label"]
    account = diagnosis["account"]
    assert account["error"] is None and account["instance_id"] == "ins-web00001"
    assert account["summary"].startswith(
        "Read from your account: 2 security groups bound to ins-web00001 and the subnet's network ACL acl-web00001"
    )
    assert account["summary"] in reply
    return reply, diagnosis


def test_why_a_port_cannot_be_reached_is_read_from_the_account(stack: BotStack, sender: str) -> None:
    reachability_is_read(stack, "I can't connect to port 8080 on ins-web00001", sender)
    diagnosed = [c for c in calls(stack)["calls"] if c["purpose"] == "diagnose"]
    assert {"DescribeInstances", "DescribeSecurityGroupPolicies", "DescribeNetworkAcls"} <= {
        c["action"] for c in diagnosed
    }


def test_the_issues_own_question(stack: BotStack, sender: str) -> None:
    question = "why can't I reach 8080 on ins-web00001?"
    reachability_is_read(stack, question, sender)


def test_only_what_no_api_sees_is_asked(stack: BotStack, sender: str) -> None:
    reply, payloads = stack.chat("ssh to ins-web00001 times out from 10.2.3.4", sender)
    diagnosis = payload(payloads, "diagnosis")
    statuses = {c["id"]: c["status"] for c in diagnosis["checks"]}
    assert statuses["network_acl"] == "passed" and statuses["sg_inbound"] == "passed"
    todo = [c["id"] for c in diagnosis["checks"] if c["status"] == "todo"]
    assert todo and set(todo) <= {"host_firewall", "listener"}
    assert "iptables" in reply


def test_a_wrong_key_tells_the_user_to_paste_and_the_operator_what_to_fix(
    stack: BotStack, fake: FakeCloud, sender: str
) -> None:
    fake.keys = {SECRET_ID: FakeKey("not-the-key")}
    reply, payloads = stack.chat("why can't I delete sg-free0001?", sender)
    deletion = payload(payloads, "delete_diagnosis")
    assert "I can't check your account right now, so here are the usual causes" in reply
    assert "recycle bin" in reply and deletion["account"]["summary"] is None
    state = ready(stack, "unavailable", "TENCENTCLOUD_SECRET_KEY")
    assert state["state"] == "unavailable" and "TENCENTCLOUD_SECRET_KEY" in state["reason"]
    recorded = calls(stack, sender)
    assert recorded["calls"][0]["result"] == "AuthFailure.SignatureFailure"
    assert "TENCENTCLOUD_SECRET_KEY" in recorded["account"]["problems"][0]["message"]
    no_secret(reply, str(payloads), str(state), str(recorded))


def test_a_key_without_the_vpc_permission_names_the_policy(stack: BotStack, fake: FakeCloud, sender: str) -> None:
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY, frozenset({"cvm"}))}
    reply, _ = stack.chat("why can't I delete sg-ref00001?", sender)
    assert "its operator must add QcloudVPCReadOnlyAccess" in reply
    other = f"{sender}-reach"
    reply, payloads = stack.chat("I can't connect to port 3306 on ins-app00001", other)
    diagnosis = payload(payloads, "diagnosis")
    assert "QcloudVPCReadOnlyAccess" in diagnosis["account"]["error"]
    assert next(c for c in diagnosis["checks"] if c["status"] == "todo")["id"] == "sg_inbound"  # paste the rules
    problems = calls(stack)["account"]["problems"]
    assert any(p["kind"] == "permission" and p["policy"] == "QcloudVPCReadOnlyAccess" for p in problems)


def test_throttling_is_waited_out(stack: BotStack, fake: FakeCloud, sender: str) -> None:
    fake.throttle(2)
    reply, payloads = stack.chat("why can't I delete sg-base0001?", sender)
    deletion = payload(payloads, "delete_diagnosis")
    assert deletion["account"]["error"] is None and deletion["deletable"] is False
    assert "ins-web00001" in reply
    first = [c for c in reversed(calls(stack, sender)["calls"]) if c["action"] == "DescribeSecurityGroups"]
    assert [(c["result"], c["attempt"]) for c in first] == [
        ("RequestLimitExceeded", 1),
        ("RequestLimitExceeded", 2),
        ("ok", 3),
    ]


def test_the_api_down_falls_back_to_asking_to_paste(stack: BotStack, fake: FakeCloud, sender: str) -> None:
    with fake.down():
        reply, payloads = stack.chat("port 8443 on ins-noacl001 times out", sender)
        diagnosis = payload(payloads, "diagnosis")
        assert "I can't reach your account's API right now, so please paste the details instead." in reply
        assert diagnosis["account"]["summary"] is None
        assert next(c for c in diagnosis["checks"] if c["status"] == "todo")["id"] == "sg_inbound"
        state = ready(stack, "unavailable", "could not get an answer")
        assert state["state"] == "unavailable" and "could not get an answer" in state["reason"]
        reply, _ = stack.chat("why can't I delete sg-app00001?", f"{sender}-delete")
        assert "I can't check your account right now, so here are the usual causes" in reply
    # Back: the next question is read from the account again, and the problem is gone.
    reply, _ = stack.chat("why can't I delete sg-gone0001?", f"{sender}-back")
    assert "From your account: read sg-gone0001" in reply
    assert ready(stack, "configured")["problems"] == []
