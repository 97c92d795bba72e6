"""The app reading the account (TENCENTCLOUD_* pointed at the local fake API): deletion checks and
diagnoses answered from the account, every failure a clear answer, every call recorded with its
conversation and shown to the operator, and never a secret in an answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from account import AccountService
from api.main import create_app
from helpdesk.settings import Settings
from tests.account.fake_cloud import FakeCloud, FakeKey, closed_endpoint
from tests.account.scenario import SECRET_ID, SECRET_KEY, standard_account

TOKEN = "account-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
DELETION = "/v1/security-groups/deletion-check"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeCloud]:
    cloud = FakeCloud(standard_account(), {SECRET_ID: FakeKey(SECRET_KEY)})
    with cloud.running():
        yield cloud


@pytest.fixture(scope="module")
def account_settings(app_settings: Settings, fake: FakeCloud, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return app_settings.model_copy(
        update={
            "data_dir": tmp_path_factory.mktemp("account-app"),
            "admin_token": SecretStr(TOKEN),
            "tencentcloud_secret_id": SecretStr(SECRET_ID),
            "tencentcloud_secret_key": SecretStr(SECRET_KEY),
            "tencentcloud_region": "ap-guangzhou",
            "tencentcloud_endpoint": fake.url,
        }
    )


@pytest.fixture(scope="module")
def app_client(account_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(account_settings)) as c:
        yield c


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def api(
    app_client: TestClient, account_settings: Settings, fake: FakeCloud, sleeps: list[float]
) -> Iterator[TestClient]:
    """The app with a fresh account client (an empty cache, no waiting between retries) and a fresh fake."""
    config = account_settings.account_config
    assert config is not None
    app_client.app.state.services.account = AccountService(config, sleep=sleeps.append)  # type: ignore[attr-defined]
    fake.account = standard_account()
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY)}
    fake.throttle_left = 0
    fake.seen.clear()
    yield app_client


def use_endpoint(client: TestClient, settings: Settings, endpoint: str) -> None:
    config = settings.model_copy(update={"tencentcloud_endpoint": endpoint}).account_config
    assert config is not None
    client.app.state.services.account = AccountService(config, sleep=lambda _: None)  # type: ignore[attr-defined]


def no_secret_in(*texts: str) -> None:
    for text in texts:
        assert SECRET_KEY not in text and SECRET_ID not in text


def ready_account(client: TestClient, state: str) -> dict[str, Any]:
    """/readyz's account part once it shows ``state`` (it reads the recorded calls in the background)."""
    deadline = time.monotonic() + 10
    while True:
        account: dict[str, Any] = client.get("/readyz").json()["account"]
        if account["state"] == state or time.monotonic() > deadline:
            return account
        time.sleep(0.1)


def calls_of(client: TestClient, conversation: str) -> dict[str, Any]:
    response = client.get("/v1/admin/account-calls", params={"conversation_id": conversation}, headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- deletion ---------------------------------------------------------------------------


def test_a_deletion_check_is_read_from_the_account(api: TestClient) -> None:
    response = api.post(DELETION, json={"security_group_id": "sg-old00001", "conversation_id": "c-delete"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["deletable"] is False and body["unchecked"] == []
    assert [(b["kind"], b["subject"]) for b in body["blockers"]] == [
        ("referenced_by_rule", "sg-ref00001"),
        ("bound_resource", "CLB"),
        ("bound_instance", "ins-run00001"),
        ("recycle_bin_instance", "ins-old00001"),
    ]
    assert body["blockers"][0]["rule"]["security_group_id"] == "sg-ref00001"
    assert body["blockers"][1]["count"] == 1
    account = body["account"]
    assert account["read"] is True and account["error"] is None and account["region"] == "ap-guangzhou"
    assert account["summary"].startswith("read sg-old00001 in ap-guangzhou at ")
    assert account["summary"].endswith("1 CLB, 2 CVM bound; 1 group refers to it")
    assert account["read_at"].endswith("Z") or account["read_at"].endswith("+00:00")
    assert [c["action"] for c in account["calls"]] == [
        "DescribeSecurityGroups",
        "DescribeSecurityGroupAssociationStatistics",
        "DescribeSecurityGroupReferences",
        "DescribeSecurityGroupPolicies",
        "DescribeInstances",
    ]
    assert all(c["result"] == "ok" and c["request_id"] and c["conversation_id"] == "c-delete" for c in account["calls"])
    # The operator sees the same calls with the conversation, newest first.
    recorded = calls_of(api, "c-delete")
    assert recorded["total"] == 5 and recorded["account"]["state"] == "configured"
    assert [c["action"] for c in reversed(recorded["calls"])] == [c["action"] for c in account["calls"]]
    assert {c["purpose"] for c in recorded["calls"]} == {"deletion_check"}
    assert recorded["calls"][0]["resource_ids"] == ["sg-old00001"]
    no_secret_in(response.text, json.dumps(recorded))


def test_instances_given_are_checked_without_the_account(api: TestClient, fake: FakeCloud) -> None:
    instances = [{"InstanceId": "ins-1", "InstanceState": "RUNNING", "SecurityGroupIds": ["sg-old00001"]}]
    body = api.post(DELETION, json={"security_group_id": "sg-old00001", "instances": instances}).json()
    assert body["account"] is None and body["unchecked"] == ["referenced_by_rule"]
    assert fake.actions() == []


def test_a_cached_answer_is_recorded_as_cached(api: TestClient) -> None:
    api.post(DELETION, json={"security_group_id": "sg-free0001", "conversation_id": "c-first"})
    again = api.post(DELETION, json={"security_group_id": "sg-free0001", "conversation_id": "c-again"}).json()
    assert again["deletable"] is True
    assert all(c["cached"] and c["duration_ms"] == 0 for c in again["account"]["calls"])
    assert calls_of(api, "c-again")["total"] == len(again["account"]["calls"])


@pytest.mark.parametrize(
    ("body", "region", "found"),
    [
        # A region the user's words name wins over TENCENTCLOUD_REGION ...
        ({"text": "sg-many0000 在上海删不掉"}, "ap-shanghai", True),
        ({"text": "why can't I delete sg-many0000 in Shanghai?"}, "ap-shanghai", True),
        # ... and the request's region wins over the words.
        ({"text": "sg-old00001 在上海删不掉", "region": "广州"}, "ap-guangzhou", True),
        ({"region": "ap-shanghai"}, "ap-shanghai", False),
    ],
)
def test_the_region_named_wins(api: TestClient, body: dict[str, Any], region: str, found: bool) -> None:
    group = "sg-many0000" if "sg-many0000" in body.get("text", "") else "sg-old00001"
    answer = api.post(DELETION, json={"security_group_id": group, **body}).json()
    assert answer["account"]["region"] == region
    assert (answer["account"]["error"] is None) is found


def test_an_unknown_region_name_is_a_422(api: TestClient) -> None:
    response = api.post(DELETION, json={"security_group_id": "sg-old00001", "region": "Atlantis"})
    assert response.status_code == 422
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "region"] and "ap-guangzhou" in problem["msg"]


def test_an_unknown_group_is_not_found_in_that_region(api: TestClient) -> None:
    body = api.post(DELETION, json={"security_group_id": "sg-nope0001", "conversation_id": "c-nope"}).json()
    error = body["account"]["error"]
    assert error["kind"] == "not_found" and error["resource_id"] == "sg-nope0001"
    assert "sg-nope0001 in region ap-guangzhou" in error["message"]
    assert body["deletable"] is None and body["blockers"] == []
    assert calls_of(api, "c-nope")["calls"][0]["result"] == "InvalidSecurityGroupID.NotFound"


@pytest.mark.parametrize(
    ("keys", "kind", "code", "operator_says"),
    [
        ({SECRET_ID: FakeKey("not-the-key")}, "credentials", "AuthFailure.SignatureFailure", "TENCENTCLOUD_SECRET_KEY"),
        ({}, "credentials", "AuthFailure.SecretIdNotFound", "TENCENTCLOUD_SECRET_ID"),
        (
            {SECRET_ID: FakeKey(SECRET_KEY, frozenset({"cvm"}))},
            "permission",
            "UnauthorizedOperation",
            "QcloudVPCReadOnlyAccess",
        ),
    ],
)
def test_a_key_problem_is_a_clear_answer_and_the_operator_sees_what_to_fix(
    api: TestClient, fake: FakeCloud, keys: dict[str, FakeKey], kind: str, code: str, operator_says: str
) -> None:
    fake.keys = keys
    response = api.post(DELETION, json={"security_group_id": "sg-old00001", "conversation_id": f"c-{kind}"})
    assert response.status_code == 200
    body = response.json()
    error = body["account"]["error"]
    assert error["kind"] == kind and "paste" in error["message"]
    # The user gets the possible causes, as without the account.
    assert body["deletable"] is None and "recycle_bin" in body["reasons"]
    if kind == "permission":
        assert error["policy"] == "QcloudVPCReadOnlyAccess"
    recorded = calls_of(api, f"c-{kind}")
    assert recorded["calls"][0]["result"] == code
    problem = recorded["account"]["problems"][0]
    assert problem["code"] == code and operator_says in problem["message"]
    ready = ready_account(api, "unavailable" if kind == "credentials" else "configured")
    assert ready["state"] == ("unavailable" if kind == "credentials" else "configured")
    deadline = time.monotonic() + 10
    while not ready["problems"] and time.monotonic() < deadline:  # the background read catches up
        time.sleep(0.1)
        ready = api.get("/readyz").json()["account"]
    assert operator_says in ready["problems"][0]["message"]
    no_secret_in(response.text, json.dumps(recorded), json.dumps(ready))
    # The next call that works clears the problem (for a permission: a call to the same service).
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY)}
    api.post(DELETION, json={"security_group_id": "sg-free0001"})
    assert calls_of(api, "none")["account"]["problems"] == []
    deadline = time.monotonic() + 10
    while (ready := api.get("/readyz").json()["account"])["problems"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready["state"] == "configured" and ready["reason"] is None and ready["problems"] == []


def test_throttling_is_retried_with_backoff(api: TestClient, fake: FakeCloud, sleeps: list[float]) -> None:
    fake.throttle(2)
    body = api.post(DELETION, json={"security_group_id": "sg-old00001"}).json()
    assert body["account"]["error"] is None and body["deletable"] is False
    assert sleeps == [0.5, 1.0]
    first = [c for c in body["account"]["calls"] if c["action"] == "DescribeSecurityGroups"]
    assert [(c["result"], c["attempt"]) for c in first] == [
        ("RequestLimitExceeded", 1),
        ("RequestLimitExceeded", 2),
        ("ok", 3),
    ]


def test_throttled_past_the_retries_says_so(api: TestClient, fake: FakeCloud, sleeps: list[float]) -> None:
    fake.throttle(10)
    body = api.post(DELETION, json={"security_group_id": "sg-old00001"}).json()
    assert body["account"]["error"]["kind"] == "throttled" and sleeps == [0.5, 1.0, 2.0]


def test_the_api_down_falls_back_to_asking_to_paste(api: TestClient, account_settings: Settings) -> None:
    use_endpoint(api, account_settings, closed_endpoint())
    body = api.post(DELETION, json={"security_group_id": "sg-old00001", "conversation_id": "c-down"}).json()
    assert body["account"]["error"]["kind"] == "unreachable" and "paste" in body["account"]["error"]["message"]
    assert calls_of(api, "c-down")["calls"][0]["result"] == "ClientNetworkError"
    ready = ready_account(api, "unavailable")
    assert ready["state"] == "unavailable" and "could not get an answer from 127.0.0.1" in ready["reason"]


# --- diagnosis ---------------------------------------------------------------------------


def diagnose(client: TestClient, **body: Any) -> Any:
    response = client.post("/v1/diagnose", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_diagnosis_reads_the_instance_and_asks_only_what_no_api_sees(api: TestClient) -> None:
    first = diagnose(api, text="ssh to ins-web00001 times out from 10.2.3.4", conversation_id="c-ssh")
    diagnosis, case = first["diagnosis"], first["case"]
    assert diagnosis["account"]["summary"].startswith(
        "Read from your account: 2 security groups bound to ins-web00001 and the subnet's network ACL acl-web00001, "
        "in ap-guangzhou at "
    )
    assert diagnosis["account"]["error"] is None and diagnosis["account"]["instance_id"] == "ins-web00001"
    statuses = {c["id"]: c["status"] for c in diagnosis["checks"]}
    assert statuses["network_acl"] == "passed" and statuses["sg_inbound"] == "passed"
    assert next(c["id"] for c in diagnosis["checks"] if c["status"] == "todo") == "host_firewall"
    # The reading is evidence of the case, marked as read from the account.
    assert case["instance_id"] == "ins-web00001" and case["account"]["group_ids"] == ["sg-web00001", "sg-base0001"]
    (groups,) = [e for e in case["evidence"] if e["kind"] == "security_groups"]
    assert groups["origin"] == "account"
    assert case["account"]["network_acl"]["NetworkAclId"] == "acl-web00001"
    # The case goes back and forth; the calls are recorded with the conversation.
    second = diagnose(api, case=case, text="still times out", conversation_id="c-ssh")
    assert second["case"]["turns"] == 2 and second["diagnosis"]["account"]["error"] is None
    recorded = calls_of(api, "c-ssh")
    assert {c["purpose"] for c in recorded["calls"]} == {"diagnose"}
    assert "DescribeNetworkAcls" in {c["action"] for c in recorded["calls"]}


def test_the_acl_decides_when_it_drops(api: TestClient) -> None:
    diagnosis = diagnose(api, text="why can't I reach 8080 on ins-web00001?")["diagnosis"]
    assert diagnosis["cause"] == "network_acl_drop"
    assert diagnosis["decided_by"]["source"] == "network_acl"
    assert "acl-web00001" in diagnosis["decided_by"]["label"]
    assert diagnosis["fix"]["console_steps"][0].startswith("Open the VPC console")
    assert diagnosis["account"]["summary"] is not None


def test_a_chinese_case_gets_the_read_line_in_chinese(api: TestClient) -> None:
    diagnosis = diagnose(api, text="ins-web00001 的 22 端口从 10.2.3.4 连接超时")["diagnosis"]
    assert diagnosis["account"]["summary"].startswith(
        "已从您的账号读取：ins-web00001 绑定的 2 个安全组和子网的网络 ACL"
    )


@pytest.mark.parametrize(
    ("keys", "needle"),
    [
        ({SECRET_ID: FakeKey("not-the-key")}, "the helpdesk's access to your account needs fixing"),
        ({SECRET_ID: FakeKey(SECRET_KEY, frozenset({"cvm"}))}, "QcloudVPCReadOnlyAccess"),
    ],
)
def test_a_diagnosis_the_account_cannot_serve_asks_to_paste(
    api: TestClient, fake: FakeCloud, keys: dict[str, FakeKey], needle: str
) -> None:
    fake.keys = keys
    diagnosis = diagnose(api, text="why can't I reach 8080 on ins-web00001?")["diagnosis"]
    assert needle in diagnosis["account"]["error"] and diagnosis["account"]["summary"] is None
    first = next(c for c in diagnosis["checks"] if c["status"] == "todo")
    assert first["id"] == "sg_inbound" and diagnosis["needs"] == [first["paste"]]


def test_an_unknown_instance_is_not_found_in_the_region_named(api: TestClient) -> None:
    diagnosis = diagnose(api, text="8080 on ins-nope0001 in Shanghai times out")["diagnosis"]
    assert diagnosis["account"]["error"] == (
        "I couldn't find ins-nope0001 in region ap-shanghai. Please check the id, or tell me its region "
        "(e.g. ap-guangzhou)."
    )


def test_a_later_failure_keeps_the_last_reading_and_says_when_it_was_made(api: TestClient, fake: FakeCloud) -> None:
    case = diagnose(api, text="ssh to ins-web00001 times out from 10.2.3.4")["case"]
    fake.keys = {}
    api.app.state.services.account = AccountService(  # type: ignore[attr-defined]
        api.app.state.services.account._client.config  # type: ignore[attr-defined]
    )
    again = diagnose(api, case=case, text="still times out")["diagnosis"]
    assert again["account"]["error"] is not None
    assert again["account"]["summary"].startswith("Your account could not be read again; using what was read at")
    assert {c["id"]: c["status"] for c in again["checks"]}["sg_inbound"] == "passed"


def test_the_region_field_of_a_diagnosis(api: TestClient) -> None:
    body = diagnose(api, text="8080 on ins-web00001 times out", region="ap-shanghai")
    assert body["case"]["region"] == "ap-shanghai" and "ap-shanghai" in body["diagnosis"]["account"]["error"]
    response = api.post("/v1/diagnose", json={"text": "x", "region": "mars-1x"})
    assert response.status_code == 200  # an id-shaped region newer than the vocabulary is accepted


def test_the_admin_view_needs_the_token(api: TestClient) -> None:
    assert api.get("/v1/admin/account-calls").status_code == 401
    assert api.get("/v1/admin/account-calls", params={"limit": 0}, headers=ADMIN).status_code == 422
