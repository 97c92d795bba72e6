"""How to reach the account: credentials, region, endpoint and the limits of every call.

The caller builds :class:`AccountConfig` (the app maps it from its settings:
``TENCENTCLOUD_SECRET_ID``, ``TENCENTCLOUD_SECRET_KEY``, ``TENCENTCLOUD_REGION`` and
``HELPDESK_TENCENTCLOUD_ENDPOINT``); nothing here reads the environment. The secrets
are :class:`Secret` values, whose ``repr`` and ``str`` never show them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from account.errors import AccountConfigError

DEFAULT_TIMEOUT_S = 5.0
MAX_TIMEOUT_S = 30.0
DEFAULT_CACHE_TTL_S = 30.0
MAX_CACHE_TTL_S = 300.0
_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")


class Secret:
    """A string that does not show itself: ``repr`` and ``str`` print ``'**********'``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The secret itself; pass it only to the SDK's credential."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Endpoint:
    """Where the API is reached: ``scheme`` and ``host`` (``host:port``).

    ``host`` may hold ``{service}``, replaced by ``vpc`` or ``cvm`` (e.g.
    ``{service}.intl.tencentcloudapi.com`` for the international site).
    """

    scheme: Literal["http", "https"]
    host: str

    def host_for(self, service: str) -> str:
        """The host for one service (``vpc`` or ``cvm``)."""
        return self.host.replace("{service}", service)

    @property
    def is_loopback(self) -> bool:
        """Whether the host is this machine (127.0.0.0/8, ::1 or localhost)."""
        return _is_loopback(urlsplit(f"//{self.host}").hostname or "")


@dataclass(frozen=True)
class AccountConfig:
    """Credentials and limits for reading one Tencent Cloud account.

    Attributes:
        secret_id: The API key's SecretId (a CAM sub-user's, read-only).
        secret_key: Its SecretKey.
        region: The default region, e.g. ``ap-guangzhou``; a call may name another.
        endpoint: None for Tencent Cloud's own hosts (``vpc.tencentcloudapi.com``,
            ``cvm.tencentcloudapi.com``, https). Otherwise ``https://host[:port]``, a bare
            ``host[:port]`` (https), or ``http://`` to a loopback address only (a local
            fake API in tests). ``{service}`` in the host is replaced by vpc or cvm.
        timeout_s: Connect and read timeout of each HTTP request (0 < t <= 30).
        cache_ttl_s: How long a successful answer is reused (0 disables the cache; at
            most 300 s, so the helpdesk never argues from a stale account for long).
        max_retries: How often a throttled call (RequestLimitExceeded) is retried.
    """

    secret_id: Secret
    secret_key: Secret
    region: str
    endpoint: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    cache_ttl_s: float = DEFAULT_CACHE_TTL_S
    max_retries: int = 3
    _parsed: Endpoint | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret_id, Secret) or not isinstance(self.secret_key, Secret):
            raise AccountConfigError("secret_id and secret_key must be Secret values; wrap the strings in Secret(...)")
        if not self.secret_id.get_secret_value().strip() or not self.secret_key.get_secret_value().strip():
            raise AccountConfigError(
                "the API key is incomplete: set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"
            )
        for name, secret in (("TENCENTCLOUD_SECRET_ID", self.secret_id), ("TENCENTCLOUD_SECRET_KEY", self.secret_key)):
            if secret.get_secret_value() != secret.get_secret_value().strip():
                raise AccountConfigError(f"{name} has spaces or a line break around it; remove them")
        check_region(self.region)
        if not 0 < self.timeout_s <= MAX_TIMEOUT_S:
            raise AccountConfigError(f"timeout_s must be above 0 and at most {MAX_TIMEOUT_S:g} seconds")
        if not 0 <= self.cache_ttl_s <= MAX_CACHE_TTL_S:
            raise AccountConfigError(f"cache_ttl_s must be between 0 and {MAX_CACHE_TTL_S:g} seconds")
        if not 0 <= self.max_retries <= 5:
            raise AccountConfigError("max_retries must be between 0 and 5")
        object.__setattr__(self, "_parsed", parse_endpoint(self.endpoint) if self.endpoint else None)

    @property
    def parsed_endpoint(self) -> Endpoint | None:
        """The validated endpoint, or None for Tencent Cloud's own hosts."""
        return self._parsed


def check_region(region: object) -> str:
    """A region name such as ``ap-guangzhou``.

    Raises:
        AccountConfigError: anything else.
    """
    if not isinstance(region, str) or not _REGION.match(region):
        raise AccountConfigError(
            f"region {region!r} is not a Tencent Cloud region name such as ap-guangzhou; "
            "check TENCENTCLOUD_REGION, or the region the question named"
        )
    return region


def parse_endpoint(value: str) -> Endpoint:
    """Validate ``HELPDESK_TENCENTCLOUD_ENDPOINT``.

    Raises:
        AccountConfigError: not a host, a path or credentials in it, another scheme,
            or plain http to anything but this machine.
    """
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("http", "https"):
        raise AccountConfigError(
            f"endpoint scheme {parts.scheme!r} is not supported; use https:// (or http:// to 127.0.0.1)"
        )
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise AccountConfigError(
            "HELPDESK_TENCENTCLOUD_ENDPOINT must be a host with an optional port, such as "
            "https://vpc.tencentcloudapi.com or http://127.0.0.1:8080, with no path or credentials"
        )
    scheme: Literal["http", "https"] = "http" if parts.scheme == "http" else "https"
    endpoint = Endpoint(scheme, parts.netloc)
    if scheme == "http" and not endpoint.is_loopback:
        raise AccountConfigError(
            f"plain http is only allowed to this machine (a local test API), not to {parts.hostname}: "
            "use https:// for a real endpoint, or leave HELPDESK_TENCENTCLOUD_ENDPOINT unset"
        )
    return endpoint


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
