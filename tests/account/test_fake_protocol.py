"""The fake API enforces the protocol: headers, clock skew, signature, envelope, service."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from tests.account import tc3
from tests.account.fake_cloud import FakeCloud
from tests.account.scenario import SECRET_ID, SECRET_KEY

DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy


def send(
    fake: FakeCloud,
    action: str = "DescribeSecurityGroups",
    *,
    service: str = "vpc",
    body: bytes = b"{}",
    sign_body: bytes | None = None,
    timestamp: int | None = None,
    scope_date: str | None = None,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    drop: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One request signed by tc3 (optionally wrong in one way); the parsed Response."""
    host = fake.url.removeprefix("http://")
    stamp = timestamp if timestamp is not None else int(time.time())
    date = scope_date or tc3.utc_date(stamp)
    headers = {
        "content-type": "application/json",
        "host": host,
        "x-tc-action": action,
        "x-tc-version": "2017-03-12",
        "x-tc-region": "ap-guangzhou",
        "x-tc-timestamp": str(stamp),
        **(extra or {}),
    }
    canonical = tc3.canonical_request("POST", "/", "", headers, ["content-type", "host"], sign_body or body)
    to_sign = tc3.string_to_sign(stamp, tc3.credential_scope(date, service), canonical)
    sig = tc3.signature(tc3.secret_signing(secret_key, date, service), to_sign)
    headers["authorization"] = tc3.authorization(
        secret_id, tc3.credential_scope(date, service), ["content-type", "host"], sig
    )
    if drop:
        headers.pop(drop)
    request = urllib.request.Request(fake.url + "/", data=body, headers=headers, method="POST")
    with DIRECT.open(request, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        document = json.loads(response.read())
    assert set(document) == {"Response"} and document["Response"]["RequestId"]
    return document["Response"]  # type: ignore[no-any-return]


def code(response: dict[str, Any]) -> str | None:
    error = response.get("Error")
    return error["Code"] if error else None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),  # a correct request is answered
        ({"body": b'{"SecurityGroupIds": ["sg-web00001"]}'}, None),
        # The body signed is not the body sent.
        ({"body": b'{"SecurityGroupIds": ["sg-web00001"]}', "sign_body": b"{}"}, "AuthFailure.SignatureFailure"),
        ({"secret_key": "not-the-key"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "AKIDunknown"}, "AuthFailure.SecretIdNotFound"),
        # The credential scope's date must be the timestamp's UTC date.
        ({"scope_date": "2001-01-01"}, "AuthFailure.SignatureFailure"),
        # More than 5 minutes of clock skew.
        ({"timestamp": int(time.time()) - 400}, "AuthFailure.SignatureExpire"),
        ({"drop": "x-tc-timestamp"}, "MissingParameter"),
        ({"drop": "x-tc-action"}, "MissingParameter"),
        ({"drop": "authorization"}, "MissingParameter"),
        ({"extra": {"x-tc-version": "2020-01-01"}}, "NoSuchVersion"),
        ({"extra": {"x-tc-region": "xx-nowhere"}}, "UnsupportedRegion"),
        # The service in the credential scope decides which API answers.
        ({"service": "cvm"}, "InvalidAction"),
        ({"action": "DeleteSecurityGroup"}, "InvalidAction"),
    ],
)
def test_fake_checks_the_protocol(fake: FakeCloud, changes: dict[str, Any], expected: str | None) -> None:
    assert code(send(fake, **changes)) == expected


def test_fake_answers_in_the_envelope(fake: FakeCloud) -> None:
    response = send(fake, "DescribeInstances", service="cvm", body=b'{"InstanceIds": ["ins-web00001"]}')
    assert response["TotalCount"] == 1
    assert response["InstanceSet"][0]["SecurityGroupIds"] == ["sg-web00001", "sg-base0001"]


@pytest.mark.parametrize(
    ("action", "service", "body", "expected"),
    [
        # The not-found code is spelled differently by vpc and cvm.
        ("DescribeSecurityGroups", "vpc", {"SecurityGroupIds": ["sg-nope0001"]}, "InvalidSecurityGroupID.NotFound"),
        (
            "DescribeInstances",
            "cvm",
            {"Filters": [{"Name": "security-group-id", "Values": ["sg-nope0001"]}]},
            "InvalidSecurityGroupId.NotFound",
        ),
        ("DescribeInstances", "cvm", {"InstanceIds": ["i-bad"]}, "InvalidInstanceId.Malformed"),
        # vpc pages with strings, cvm with numbers.
        ("DescribeSecurityGroups", "vpc", {"Offset": 0, "Limit": 10}, "InvalidParameter"),
        ("DescribeInstances", "cvm", {"Offset": "0", "Limit": "10"}, "InvalidParameter"),
        ("DescribeSecurityGroups", "vpc", {"Offset": "0", "Limit": "10"}, None),
        ("DescribeInstances", "cvm", {"Offset": 0, "Limit": 101}, "InvalidParameterValue.Range"),
    ],
)
def test_fake_answers_errors_as_the_services_spell_them(
    fake: FakeCloud, action: str, service: str, body: dict[str, Any], expected: str | None
) -> None:
    assert code(send(fake, action, service=service, body=json.dumps(body).encode())) == expected
