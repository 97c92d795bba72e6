"""The configuration refuses what would be unsafe or unclear, naming the setting to fix."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import pytest

from account import AccountConfig, AccountConfigError, Secret
from account.config import parse_endpoint

KEY: dict[str, Any] = {"secret_id": Secret("AKIDexample0000"), "secret_key": Secret("example-key-0000")}


@pytest.mark.parametrize(
    ("endpoint", "scheme", "host"),
    [
        ("http://127.0.0.1:8080", "http", "127.0.0.1:8080"),  # the fake API in tests
        ("http://localhost:9000/", "http", "localhost:9000"),
        ("http://[::1]:8080", "http", "[::1]:8080"),
        ("https://vpc.tencentcloudapi.com", "https", "vpc.tencentcloudapi.com"),
        ("{service}.intl.tencentcloudapi.com", "https", "{service}.intl.tencentcloudapi.com"),  # bare host: https
    ],
)
def test_endpoints_accepted(endpoint: str, scheme: str, host: str) -> None:
    parsed = parse_endpoint(endpoint)
    assert (parsed.scheme, parsed.host) == (scheme, host)


def test_the_service_placeholder_is_filled() -> None:
    assert parse_endpoint("{service}.intl.tencentcloudapi.com").host_for("cvm") == "cvm.intl.tencentcloudapi.com"


@pytest.mark.parametrize(
    ("endpoint", "message_part"),
    [
        # Plain http leaves the machine only over TLS: never to another host.
        ("http://10.0.0.5:8080", "plain http is only allowed to this machine"),
        ("http://vpc.tencentcloudapi.com", "plain http is only allowed to this machine"),
        ("http://127.0.0.1.example.com", "plain http is only allowed to this machine"),
        ("ftp://127.0.0.1", "scheme 'ftp' is not supported"),
        ("https://vpc.tencentcloudapi.com/v3", "no path or credentials"),
        ("https://user:pw@vpc.tencentcloudapi.com", "no path or credentials"),
    ],
)
def test_endpoints_refused(endpoint: str, message_part: str) -> None:
    with pytest.raises(AccountConfigError, match=message_part):
        AccountConfig(region="ap-guangzhou", endpoint=endpoint, **KEY)


@pytest.mark.parametrize(
    ("overrides", "message_part"),
    [
        ({"region": "Guangzhou"}, "TENCENTCLOUD_REGION"),
        ({"region": ""}, "TENCENTCLOUD_REGION"),
        ({"secret_key": Secret("")}, "set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"),
        ({"secret_id": Secret(" AKIDexample0000\n")}, "TENCENTCLOUD_SECRET_ID has spaces"),
        ({"secret_id": "AKIDexample0000"}, "wrap the strings in Secret"),
        ({"timeout_s": 0}, "timeout_s"),
        ({"timeout_s": 120}, "timeout_s"),
        ({"cache_ttl_s": 3600}, "cache_ttl_s"),
        ({"max_retries": 9}, "max_retries"),
    ],
)
def test_settings_refused(overrides: dict[str, Any], message_part: str) -> None:
    values: dict[str, Any] = {**KEY, "region": "ap-guangzhou", **overrides}
    with pytest.raises(AccountConfigError, match=message_part):
        AccountConfig(**values)


def test_defaults_are_bounded() -> None:
    config = AccountConfig(region="ap-guangzhou", **KEY)
    assert (config.endpoint, config.parsed_endpoint, config.timeout_s, config.cache_ttl_s) == (None, None, 5.0, 30.0)


def test_the_three_sdk_packages_share_one_init() -> None:
    """Uninstalling one of them removes tencentcloud/__init__.py for the other two: keep them together."""
    for dist in ("tencentcloud-sdk-python-common", "tencentcloud-sdk-python-vpc", "tencentcloud-sdk-python-cvm"):
        files = importlib.metadata.files(dist) or []
        assert any(str(f) == "tencentcloud/__init__.py" for f in files), dist
