"""AccountService: one shared client and cache, each question's own record of calls, the key's health."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from account import (
    AccountService,
    ApiCall,
    CallLog,
    CredentialsRejectedError,
    PermissionDeniedError,
    ResourceNotFoundError,
    ThrottledError,
)
from tests.account.conftest import FIXED_NOW, config
from tests.account.fake_cloud import FakeCloud, FakeKey, closed_endpoint
from tests.account.scenario import SECRET_ID, SECRET_KEY


def service(endpoint: str, sleeps: list[float] | None = None) -> AccountService:
    return AccountService(config(endpoint), sleep=(sleeps if sleeps is not None else []).append, now=lambda: FIXED_NOW)


def test_off_without_a_key() -> None:
    off = AccountService(None)
    assert not off.configured and off.region is None
    status = off.status()
    assert (status.state, status.problems, status.reason) == ("off", (), None)


def test_each_question_has_its_own_record_and_they_share_the_cache(fake: FakeCloud) -> None:
    account = service(fake.url)
    first, second = CallLog(), CallLog()
    account.read_deletion("sg-free0001", None, first)
    account.read_deletion("sg-free0001", None, second)
    assert first.calls and not any(c.cached for c in first.calls)
    # The second question's record lists the same calls, answered from the shared cache.
    assert [c.action for c in second.calls] == [c.action for c in first.calls]
    assert all(c.cached for c in second.calls)
    assert len(fake.seen) == len(first.calls)
    assert account.status().last_ok_at == FIXED_NOW


@pytest.mark.parametrize(
    ("keys", "error", "state", "fix"),
    [
        ({SECRET_ID: FakeKey("wrong")}, CredentialsRejectedError, "unavailable", "TENCENTCLOUD_SECRET_KEY"),
        ({}, CredentialsRejectedError, "unavailable", "TENCENTCLOUD_SECRET_ID"),
        # A missing permission stops only what it covers: the key itself works.
        ({SECRET_ID: FakeKey(SECRET_KEY, frozenset({"cvm"}))}, PermissionDeniedError, "configured", "QcloudVPC"),
    ],
)
def test_the_keys_problems_until_a_call_succeeds(
    fake: FakeCloud, keys: dict[str, FakeKey], error: type[Exception], state: str, fix: str
) -> None:
    account = service(fake.url)
    fake.keys = keys
    with pytest.raises(error):
        account.read_deletion("sg-old00001", None, CallLog())
    status = status_before = account.status()
    assert status.state == state and status.reason is not None and fix in status.reason
    (problem,) = status.problems
    assert problem.at == FIXED_NOW and SECRET_KEY not in problem.message and SECRET_ID not in problem.message
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY)}
    account.read_deletion("sg-free0001", None, CallLog())
    status = account.status()
    assert status.state == "configured" and status.problems == () and status_before.problems


def test_a_permission_problem_is_cleared_by_its_own_service_only(fake: FakeCloud) -> None:
    account = service(fake.url)
    fake.keys = {SECRET_ID: FakeKey(SECRET_KEY, frozenset({"cvm"}))}
    with pytest.raises(PermissionDeniedError):
        account.read_deletion("sg-old00001", None, CallLog())
    # A cvm call that succeeds (DescribeInstances, answering "no such instance") says nothing about vpc.
    with pytest.raises(ResourceNotFoundError):
        account.read_reachability("ins-nope0001", None, CallLog())
    (problem,) = account.status().problems
    assert problem.kind == "permission" and problem.policy == "QcloudVPCReadOnlyAccess"


def test_not_found_and_throttling_say_nothing_about_the_key(fake: FakeCloud) -> None:
    sleeps: list[float] = []
    account = service(fake.url, sleeps)
    with pytest.raises(ResourceNotFoundError):
        account.read_deletion("sg-nope0001", None, CallLog())
    fake.throttle(10)
    with pytest.raises(ThrottledError):
        account.read_reachability("ins-web00001", None, CallLog())
    assert account.status().problems == () and sleeps == [0.5, 1.0, 2.0]


def test_an_unreachable_api_makes_the_account_unavailable() -> None:
    account = service(closed_endpoint())
    calls = CallLog()
    with pytest.raises(Exception, match="could not get an answer"):
        account.read_reachability("ins-web00001", None, calls)
    status = account.status()
    assert status.state == "unavailable" and status.problems[0].kind == "unreachable"
    assert [c.result for c in calls.calls] == ["ClientNetworkError"]
    assert status.endpoint is not None and status.endpoint.startswith("127.0.0.1:")


def test_the_status_shows_no_secret(fake: FakeCloud) -> None:
    account = service(fake.url)
    fake.keys = {}
    with pytest.raises(CredentialsRejectedError):
        account.read_deletion("sg-old00001", None, CallLog())
    text = repr(account.status())
    assert SECRET_ID not in text and SECRET_KEY not in text


def test_the_clock_of_the_problems_is_the_services() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    account = AccountService(config(closed_endpoint()), sleep=lambda _: None, now=lambda: moment)
    with pytest.raises(Exception, match="could not get an answer"):
        account.read_deletion("sg-old00001", None, CallLog())
    assert account.status().problems[0].at == moment


def sent(action: str, result: str, minute: int, service: str = "vpc") -> ApiCall:
    at = datetime(2026, 3, 2, 10, minute, tzinfo=UTC)
    return ApiCall(action, service, "ap-guangzhou", ("sg-old00001",), result, None, 10.0, at)


@pytest.mark.parametrize(
    ("recent", "state", "kinds"),
    [
        # Newest first, as the app reads its records: a problem stands until a later call succeeds.
        ([sent("DescribeSecurityGroups", "AuthFailure.SignatureFailure", 2)], "unavailable", ["credentials"]),
        (
            [
                sent("DescribeSecurityGroups", "ok", 3),
                sent("DescribeSecurityGroups", "AuthFailure.SignatureFailure", 2),
            ],
            "configured",
            [],
        ),
        ([sent("DescribeSecurityGroups", "ClientNetworkError", 2)], "unavailable", ["unreachable"]),
        # A permission is cleared only by its own service; throttling and not-found say nothing of the key.
        (
            [sent("DescribeInstances", "ok", 3, "cvm"), sent("DescribeSecurityGroups", "UnauthorizedOperation", 2)],
            "configured",
            ["permission"],
        ),
        (
            [sent("DescribeSecurityGroups", "RequestLimitExceeded", 3), sent("DescribeInstances", "ok", 1, "cvm")],
            "configured",
            [],
        ),
        ([sent("DescribeSecurityGroups", "InvalidSecurityGroupID.NotFound", 3)], "configured", []),
    ],
)
def test_the_state_the_recorded_calls_show(recent: list[ApiCall], state: str, kinds: list[str]) -> None:
    """Every worker of the app shows the same state: the one its recorded calls show."""
    account = service(closed_endpoint())
    status = account.status(recent)
    assert status.state == state and [p.kind for p in status.problems] == kinds
    if kinds == ["permission"]:
        assert status.problems[0].policy == "QcloudVPCReadOnlyAccess"
        assert "QcloudVPCReadOnlyAccess" in (status.reason or "")
    if kinds == ["credentials"]:
        assert "TENCENTCLOUD_SECRET_KEY" in (status.reason or "")
