"""TC3-HMAC-SHA256 against the worked example of Tencent Cloud's "Signature v3" page.

Page: https://cloud.tencent.com/document/api/213/30654 (签名方法 v3; the English
copies, e.g. https://www.tencentcloud.com/document/product/267/37447, show the same
steps). Its example: POST https://cvm.tencentcloudapi.com/, DescribeInstances,
2017-03-12, ap-guangzhou, X-TC-Timestamp 1551113065, body
{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]},
signed headers content-type;host;x-tc-action. The page masks its demo key
(SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******, SecretKey Gu5t9xGARNpq86cd98joQYCN3*******),
so the key derivation itself cannot be checked against it: the test starts the last
HMAC from the SecretSigning value the page prints and checks every value the page gives.
"""

from __future__ import annotations

import hashlib
import hmac

from tests.account import tc3

DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
DOC_TIMESTAMP = 1551113065
DOC_SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
DOC_HASHED_PAYLOAD = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
DOC_CANONICAL_REQUEST = (
    "POST\n/\n\n"
    "content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\nx-tc-action:describeinstances\n\n"
    "content-type;host;x-tc-action\n" + DOC_HASHED_PAYLOAD
)
DOC_HASHED_CANONICAL_REQUEST = "7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84"
DOC_STRING_TO_SIGN = "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n" + DOC_HASHED_CANONICAL_REQUEST
DOC_SECRET_SIGNING = "b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af"
DOC_SIGNATURE = "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
DOC_AUTHORIZATION = (
    f"TC3-HMAC-SHA256 Credential={DOC_SECRET_ID}/2019-02-25/cvm/tc3_request, "
    f"SignedHeaders=content-type;host;x-tc-action, Signature={DOC_SIGNATURE}"
)
DOC_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "host": "cvm.tencentcloudapi.com",
    "x-tc-action": "DescribeInstances",
}


def test_step_1_canonical_request_matches_the_page() -> None:
    assert tc3.sha256_hex(DOC_PAYLOAD) == DOC_HASHED_PAYLOAD
    canonical = tc3.canonical_request(
        "POST", "/", "", DOC_HEADERS, ["content-type", "host", "x-tc-action"], DOC_PAYLOAD
    )
    assert canonical == DOC_CANONICAL_REQUEST
    assert tc3.sha256_hex(canonical.encode()) == DOC_HASHED_CANONICAL_REQUEST


def test_step_2_string_to_sign_uses_the_utc_date() -> None:
    # 1551113065 is 2019-02-26 00:44:25 in UTC+8: the page warns the date must be UTC's.
    assert tc3.utc_date(DOC_TIMESTAMP) == "2019-02-25"
    scope = tc3.credential_scope(tc3.utc_date(DOC_TIMESTAMP), "cvm")
    assert tc3.string_to_sign(DOC_TIMESTAMP, scope, DOC_CANONICAL_REQUEST) == DOC_STRING_TO_SIGN


def test_step_3_signature_from_the_pages_secret_signing() -> None:
    assert tc3.signature(bytes.fromhex(DOC_SECRET_SIGNING), DOC_STRING_TO_SIGN) == DOC_SIGNATURE


def test_step_4_authorization_matches_the_page() -> None:
    header = tc3.authorization(
        DOC_SECRET_ID, "2019-02-25/cvm/tc3_request", ["x-tc-action", "host", "content-type"], DOC_SIGNATURE
    )
    assert header == DOC_AUTHORIZATION
    parsed = tc3.parse_authorization(header)
    assert (parsed.secret_id, parsed.date, parsed.service) == (DOC_SECRET_ID, "2019-02-25", "cvm")
    assert parsed.signed_headers == ("content-type", "host", "x-tc-action")


def test_step_3_key_derivation_follows_the_pages_pseudocode() -> None:
    # The page's key is masked, so this checks the chain against the pseudocode itself.
    key = "any-secret-key"
    secret_date = hmac.new(b"TC3" + key.encode(), b"2019-02-25", hashlib.sha256).digest()
    secret_service = hmac.new(secret_date, b"cvm", hashlib.sha256).digest()
    expected = hmac.new(secret_service, b"tc3_request", hashlib.sha256).digest()
    assert tc3.secret_signing(key, "2019-02-25", "cvm") == expected


def test_the_sdk_signs_the_same_way_as_the_page() -> None:
    """The official SDK's signer, fed the page's request, gives the page's hashes."""
    from tencentcloud.common.abstract_client import AbstractClient  # type: ignore[import-untyped]
    from tencentcloud.common.http.request import RequestInternal  # type: ignore[import-untyped]

    request = RequestInternal("cvm.tencentcloudapi.com", "POST", "/")
    request.header = {
        "Content-Type": DOC_HEADERS["content-type"],
        "Host": DOC_HEADERS["host"],
        "X-TC-Timestamp": str(DOC_TIMESTAMP),
    }
    request.data = DOC_PAYLOAD.decode()
    key = "not-the-pages-key"
    sdk_signature = AbstractClient._get_tc3_signature(None, {}, request, "2019-02-25", "cvm", key)
    # The SDK signs content-type;host only (the page's example adds x-tc-action).
    canonical = tc3.canonical_request("POST", "/", "", DOC_HEADERS, ["content-type", "host"], DOC_PAYLOAD)
    to_sign = tc3.string_to_sign(DOC_TIMESTAMP, "2019-02-25/cvm/tc3_request", canonical)
    assert sdk_signature == tc3.signature(tc3.secret_signing(key, "2019-02-25", "cvm"), to_sign)
