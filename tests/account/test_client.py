"""The read-only client against the fake API: allow-list, audit, cache, errors, proxies, paging."""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import pytest

from account import (
    ALLOWED_ACTIONS,
    AccountApiError,
    AccountClient,
    ActionNotAllowedError,
    ApiUnreachableError,
    CallLog,
    CredentialsRejectedError,
    PermissionDeniedError,
    ResourceNotFoundError,
    Secret,
    ThrottledError,
    check_action,
)
from account.actions import ActionSpec
from account.config import AccountConfig
from account.error_codes import map_error
from account.sdk import SdkTransport
from tests.account.conftest import config
from tests.account.fake_cloud import FakeCloud, FakeKey, closed_endpoint
from tests.account.scenario import REGION, SECRET_ID, SECRET_KEY

WEB = {"SecurityGroupIds": ["sg-web00001"]}


# --- the allow-list -------------------------------------------------------------------


def test_the_allow_list_holds_only_describe_actions() -> None:
    assert ALLOWED_ACTIONS and all(name.startswith("Describe") for name in ALLOWED_ACTIONS)
    assert {spec.service for spec in ALLOWED_ACTIONS.values()} == {"vpc", "cvm"}


@pytest.mark.parametrize(
    "action",
    [
        "DeleteSecurityGroup",
        "ModifySecurityGroupPolicies",
        "RunInstances",
        "TerminateInstances",
        "DescribeSecurityGroupsX",  # a Describe name that is not on the list is refused too
        "describeInstances",
        "",
    ],
)
def test_an_action_off_the_list_raises_before_any_io(
    fake: FakeCloud, client: AccountClient, calls: CallLog, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    def no_io(*_: Any) -> None:
        raise AssertionError("a refused action must not open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_io)
    with pytest.raises(ActionNotAllowedError, match="read-only allow-list"):
        client.describe(action, {})
    with pytest.raises(ActionNotAllowedError):
        check_action(action)
    assert fake.seen == [] and calls.calls == ()


def test_an_unknown_parameter_name_is_refused_before_sending(fake: FakeCloud, client: AccountClient) -> None:
    with pytest.raises(ValueError, match="has no parameter SecurityGroupIdz"):
        client.describe("DescribeSecurityGroups", {"SecurityGroupIdz": ["sg-web00001"]})
    assert fake.seen == []


# --- audit -----------------------------------------------------------------------------


def test_every_call_is_recorded(fake: FakeCloud, client: AccountClient, calls: CallLog) -> None:
    client.describe("DescribeSecurityGroups", WEB, resource_ids=["sg-web00001"])
    with pytest.raises(ResourceNotFoundError):
        client.describe("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-nope0001"]}, resource_ids=["sg-nope0001"])
    ok, failed = calls.calls
    assert (ok.action, ok.service, ok.region, ok.resource_ids, ok.result) == (
        "DescribeSecurityGroups",
        "vpc",
        REGION,
        ("sg-web00001",),
        "ok",
    )
    assert (failed.resource_ids, failed.result) == (("sg-nope0001",), "InvalidSecurityGroupID.NotFound")
    assert [s.result for s in fake.seen] == ["ok", "InvalidSecurityGroupID.NotFound"]
    assert [ok.request_id, failed.request_id] == [s.request_id for s in fake.seen]
    assert ok.duration_ms >= 0 and not ok.cached and ok.attempt == 1


# --- cache -----------------------------------------------------------------------------


def test_answers_are_cached_for_the_ttl(fake: FakeCloud, calls: CallLog) -> None:
    clock = [100.0]
    client = AccountClient(config(fake.url, cache_ttl_s=30), calls, monotonic=lambda: clock[0])
    first = client.describe("DescribeSecurityGroups", WEB)
    first["SecurityGroupSet"].clear()  # the caller's copy; the cache keeps its own
    again = client.describe("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-web00001"]})
    assert again["SecurityGroupSet"][0]["SecurityGroupId"] == "sg-web00001"
    assert len(fake.seen) == 1 and calls.calls[-1].cached
    client.describe("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-base0001"]})  # other parameters
    assert len(fake.seen) == 2
    clock[0] += 30.5  # past the TTL
    client.describe("DescribeSecurityGroups", WEB)
    assert len(fake.seen) == 3


def test_errors_are_not_cached_and_ttl_zero_disables_the_cache(fake: FakeCloud) -> None:
    client = AccountClient(config(fake.url, cache_ttl_s=0))
    client.describe("DescribeSecurityGroups", WEB)
    client.describe("DescribeSecurityGroups", WEB)
    for _ in range(2):
        with pytest.raises(ResourceNotFoundError):
            client.describe("DescribeSecurityGroups", {"SecurityGroupIds": ["sg-nope0001"]})
    assert len(fake.seen) == 4


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret_id", "secret_key", "code", "fix"),
    [
        ("AKIDunknownKey000000000000", SECRET_KEY, "AuthFailure.SecretIdNotFound", "TENCENTCLOUD_SECRET_ID"),
        (SECRET_ID, "the-wrong-secret-key-000000000", "AuthFailure.SignatureFailure", "set the matching pair"),
    ],
)
def test_a_wrong_key_tells_the_operator_what_to_fix(
    fake: FakeCloud, make_client: Any, secret_id: str, secret_key: str, code: str, fix: str
) -> None:
    client = make_client(fake.url, secret_id=Secret(secret_id), secret_key=Secret(secret_key))
    with pytest.raises(CredentialsRejectedError) as caught:
        client.describe("DescribeSecurityGroups", WEB)
    assert caught.value.code == code and fix in str(caught.value)
    assert "check is unavailable" in caught.value.user_message and "paste" in caught.value.user_message
    assert secret_id not in str(caught.value) and secret_key not in str(caught.value)


def test_the_clock_skew_error_says_to_sync_the_clock(fake: FakeCloud, client: AccountClient) -> None:
    fake.clock_offset_s = 600
    with pytest.raises(CredentialsRejectedError, match="synchronise it"):
        client.describe("DescribeSecurityGroups", WEB)


@pytest.mark.parametrize(
    ("services", "action", "policy"),
    [
        (frozenset({"cvm"}), "DescribeSecurityGroups", "QcloudVPCReadOnlyAccess"),
        (frozenset({"vpc"}), "DescribeInstances", "QcloudCVMReadOnlyAccess"),
    ],
)
def test_a_missing_permission_names_the_cam_policy(
    fake: FakeCloud, client: AccountClient, services: frozenset[str], action: str, policy: str
) -> None:
    fake.keys[SECRET_ID] = FakeKey(SECRET_KEY, services)
    with pytest.raises(PermissionDeniedError) as caught:
        client.describe(action, {})
    assert caught.value.policy == policy and f"Attach the preset CAM policy {policy}" in str(caught.value)
    assert caught.value.code == "UnauthorizedOperation" and "permission" in caught.value.user_message


def test_throttling_backs_off_and_retries(
    fake: FakeCloud, client: AccountClient, calls: CallLog, sleeps: list[float]
) -> None:
    fake.throttle(2)
    assert client.describe("DescribeSecurityGroups", WEB)["TotalCount"] == 1
    assert sleeps == [0.5, 1.0]
    assert [(c.result, c.attempt) for c in calls.calls] == [
        ("RequestLimitExceeded", 1),
        ("RequestLimitExceeded", 2),
        ("ok", 3),
    ]


def test_throttling_gives_up_after_the_bounded_retries(
    fake: FakeCloud, client: AccountClient, sleeps: list[float]
) -> None:
    fake.throttle(10)
    with pytest.raises(ThrottledError, match="after the retries"):
        client.describe("DescribeSecurityGroups", WEB)
    assert len(fake.seen) == 4 and sleeps == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("action", "params", "ids", "code"),
    [
        (
            "DescribeSecurityGroups",
            {"SecurityGroupIds": ["sg-nope0001"]},
            ["sg-nope0001"],
            "InvalidSecurityGroupID.NotFound",
        ),
        (
            "DescribeInstances",
            {"Filters": [{"Name": "security-group-id", "Values": ["sg-nope0001"]}]},
            ["sg-nope0001"],
            "InvalidSecurityGroupId.NotFound",
        ),
        ("DescribeInstances", {"InstanceIds": ["i-123"]}, ["i-123"], "InvalidInstanceId.Malformed"),
    ],
)
def test_an_unknown_id_is_not_found_in_the_region(
    client: AccountClient, action: str, params: dict[str, Any], ids: list[str], code: str
) -> None:
    with pytest.raises(ResourceNotFoundError) as caught:
        client.describe(action, params, resource_ids=ids)
    assert caught.value.code == code
    assert f"{ids[0]} not found in region {REGION}" in str(caught.value)
    assert f"couldn't find {ids[0]} in region {REGION}" in caught.value.user_message


def test_an_unknown_region_is_named(client: AccountClient) -> None:
    with pytest.raises(AccountApiError) as caught:
        client.describe("DescribeSecurityGroups", WEB, region="eu-nowhere")
    assert caught.value.code == "UnsupportedRegion" and "which region" in caught.value.user_message


def test_the_api_down_means_unreachable(make_client: Any) -> None:
    client = make_client(closed_endpoint())
    with pytest.raises(ApiUnreachableError) as caught:
        client.describe("DescribeSecurityGroups", WEB)
    assert caught.value.code == "ClientNetworkError" and "paste" in caught.value.user_message


def test_timeouts_are_bounded(fake: FakeCloud, make_client: Any) -> None:
    fake.delay_s = 3.0
    client = make_client(fake.url, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(ApiUnreachableError):
        client.describe("DescribeSecurityGroups", WEB)
    assert time.monotonic() - started < fake.delay_s


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AuthFailure.UnauthorizedOperation", PermissionDeniedError),  # CAM's spelling in several services
        ("UnauthorizedOperation.NoPermission", PermissionDeniedError),
        ("AuthFailure.TokenFailure", CredentialsRejectedError),
        ("RequestLimitExceeded.UinLimitExceeded", ThrottledError),
        ("ResourceNotFound", ResourceNotFoundError),
        ("InternalError", AccountApiError),
    ],
)
def test_error_codes_map_to_kinds(code: str, kind: type[AccountApiError]) -> None:
    error = map_error(code, "", False, ActionSpec("vpc"), "DescribeSecurityGroups", REGION, ("sg-1",), "rid", "h")
    assert type(error) is kind and error.code == code and "(RequestId rid)" in str(error)


# --- SDK pitfalls -----------------------------------------------------------------------


def test_errors_are_seen_whatever_the_content_type(fake: FakeCloud, make_client: Any) -> None:
    """The SDK alone takes an error envelope for a result unless Content-Type is exactly application/json."""
    fake.content_type = "application/json; charset=utf-8"
    sdk = SdkTransport(config(fake.url, secret_key=Secret("the-wrong-secret-key-000000000")))
    raw = sdk.call("vpc", REGION, "DescribeSecurityGroups", WEB)  # no exception from the SDK
    assert raw["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
    client = make_client(fake.url, secret_key=Secret("the-wrong-secret-key-000000000"))
    with pytest.raises(CredentialsRejectedError):
        client.describe("DescribeSecurityGroups", WEB)
    good = make_client(fake.url)
    assert good.describe("DescribeSecurityGroups", WEB)["TotalCount"] == 1


def test_a_proxy_in_the_environment_is_bypassed_for_loopback(
    fake: FakeCloud, make_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY would catch loopback unless NO_PROXY held the literal host:port; not here."""
    dead_proxy = closed_endpoint()
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("http_proxy", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the host alone, as people write it
    from tencentcloud.common import credential  # type: ignore[import-untyped]
    from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
    from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]
    from tencentcloud.vpc.v20170312 import vpc_client  # type: ignore[import-untyped]

    host = fake.url.removeprefix("http://")
    plain = vpc_client.VpcClient(
        credential.Credential(SECRET_ID, SECRET_KEY),
        REGION,
        ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=host, reqTimeout=5)),
    )
    with pytest.raises(Exception, match="ClientNetworkError"):  # the bare SDK goes to the dead proxy
        plain.call_json("DescribeSecurityGroups", WEB)
    assert make_client(fake.url).describe("DescribeSecurityGroups", WEB)["TotalCount"] == 1


# --- paging ------------------------------------------------------------------------------


def test_cvm_pages_with_numbers(fake: FakeCloud, client: AccountClient) -> None:
    filters = [{"Name": "security-group-id", "Values": ["sg-many0000"]}]
    items = client.describe_all("DescribeInstances", {"Filters": filters}, region="ap-shanghai")
    assert len(items) == 250 and len({i["InstanceId"] for i in items}) == 250
    assert [(s.params["Offset"], s.params["Limit"]) for s in fake.seen] == [(0, 100), (100, 100), (200, 100)]


def test_vpc_pages_with_strings(fake: FakeCloud, client: AccountClient) -> None:
    items = client.describe_all("DescribeSecurityGroups", region="ap-shanghai")
    assert len(items) == 120
    assert [(s.params["Offset"], s.params["Limit"]) for s in fake.seen] == [("0", "100"), ("100", "100")]


def test_describe_all_refuses_an_action_that_does_not_page(client: AccountClient) -> None:
    with pytest.raises(ValueError, match="does not page"):
        client.describe_all("DescribeSecurityGroupPolicies", {"SecurityGroupId": "sg-web00001"})


# --- credentials never leak ----------------------------------------------------------------


def test_credentials_never_appear_in_logs_errors_records_or_reprs(
    fake: FakeCloud, make_client: Any, calls: CallLog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    wrong_id = "AKIDwrongButSecret0000000000"
    texts: list[str] = []
    good = make_client(fake.url)
    good.describe("DescribeSecurityGroups", WEB)
    attempts = [
        make_client(fake.url, secret_id=Secret(wrong_id)),  # the fake echoes this id in its message
        make_client(fake.url, secret_key=Secret("the-wrong-secret-key-000000000")),
        make_client(closed_endpoint()),
    ]
    for client in attempts:
        with pytest.raises(AccountApiError) as caught:
            client.describe("DescribeSecurityGroups", WEB)
        error = caught.value
        texts += [str(error), repr(error), error.user_message, repr(error.__cause__), str(error.__cause__)]
        texts.append(repr(client))
    cfg = config(fake.url)
    texts += [repr(cfg), str(cfg), repr(good), repr(SdkTransport(cfg)), caplog.text, repr(calls.calls)]
    joined = "\n".join(texts)
    for secret in (SECRET_ID, SECRET_KEY, wrong_id, "the-wrong-secret-key-000000000"):
        assert secret not in joined
    assert "***" in "\n".join(texts)  # the echoed id was redacted, not dropped silently


def test_config_reprs_hide_the_secrets() -> None:
    cfg = AccountConfig(Secret(SECRET_ID), Secret(SECRET_KEY), REGION)
    assert SECRET_ID not in repr(cfg) and SECRET_KEY not in repr(cfg)
    assert repr(Secret("x")) == "Secret('**********')" and str(Secret("x")) == "**********"
