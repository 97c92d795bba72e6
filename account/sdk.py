"""The one module that touches the official SDK (tencentcloud-sdk-python-common/-vpc/-cvm).

It builds a VpcClient or CvmClient per region, pointed at the configured endpoint with
``HttpProfile(protocol=..., endpoint=..., reqTimeout=...)``, sends one action with
``call_json`` and hands back the parsed answer or a :class:`TransportFailure`. Known
pitfalls of the SDK are handled here:

* It recognises an API error only when the response's Content-Type is exactly
  ``application/json`` (or ``text/plain``); with ``application/json; charset=utf-8``
  an error envelope comes back as if it were a result. The answer is therefore
  returned whole and the caller looks for ``Response.Error`` itself.
* It applies ``HTTP_PROXY`` to a loopback endpoint unless ``NO_PROXY`` holds the
  literal ``host:port``: for a loopback endpoint proxies are switched off on the
  client's session (a real https endpoint keeps the environment's proxies).
* Its debug log prints request headers, which hold the SecretId: its logger is kept
  at INFO so those lines are never produced, whatever the application's log level.
* The three packages share ``tencentcloud/__init__.py``: install and upgrade them
  together, never uninstall one alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from tencentcloud.common import credential  # type: ignore[import-untyped]
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # type: ignore[import-untyped]
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-untyped]
from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-untyped]
from tencentcloud.cvm.v20170312 import cvm_client  # type: ignore[import-untyped]
from tencentcloud.cvm.v20170312 import models as cvm_models
from tencentcloud.vpc.v20170312 import models as vpc_models  # type: ignore[import-untyped]
from tencentcloud.vpc.v20170312 import vpc_client

from account.config import AccountConfig
from account.errors import AccountConfigError

SDK_LOGGER = "tencentcloud_sdk_common"
_CLIENTS = {"vpc": vpc_client.VpcClient, "cvm": cvm_client.CvmClient}
_MODELS = {"vpc": vpc_models, "cvm": cvm_models}


@dataclass(frozen=True)
class TransportFailure(Exception):
    """The SDK could not deliver an answer, or the API answered with an error it recognised.

    Attributes:
        code: Tencent Cloud's error code, or ``ClientNetworkError`` / ``ServerNetworkError``
            / ``InvalidResponse`` when no API answer came back.
        message: What the SDK or the API said.
        request_id: The API's RequestId, when it answered.
        unreachable: True when no API answer came back at all.
    """

    code: str
    message: str
    request_id: str | None = None
    unreachable: bool = False


class Transport(Protocol):
    """Sends one action; the client above it knows nothing of the SDK."""

    def call(self, service: str, region: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The whole parsed answer (``{"Response": {...}}``).

        Raises:
            TransportFailure: no answer, or an error the SDK recognised.
        """
        ...

    def host(self, service: str) -> str:
        """The host the service is reached at (for messages)."""
        ...


class SdkTransport:
    """:class:`Transport` over the official SDK's clients, one per service and region."""

    def __init__(self, config: AccountConfig) -> None:
        self._config = config
        self._clients: dict[tuple[str, str], Any] = {}
        # The SDK logs request headers (with the SecretId) at DEBUG: never let it.
        logging.getLogger(SDK_LOGGER).setLevel(logging.INFO)

    def __repr__(self) -> str:
        return f"SdkTransport(endpoint={self._config.endpoint!r})"

    def host(self, service: str) -> str:
        endpoint = self._config.parsed_endpoint
        return endpoint.host_for(service) if endpoint is not None else f"{service}.tencentcloudapi.com"

    def call(self, service: str, region: str, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        client = self._client(service, region)
        try:
            answer = client.call_json(action, dict(params))
        except TencentCloudSDKException as e:
            raise _failure(e) from e
        except ValueError as e:  # the body was not JSON: whatever answered was not the API
            raise TransportFailure("InvalidResponse", f"the answer was not JSON ({e})", unreachable=True) from e
        if not isinstance(answer, dict):
            raise TransportFailure("InvalidResponse", "the answer was not a JSON object", unreachable=True)
        return answer

    def _client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._build(service, region)
        return self._clients[key]

    def _build(self, service: str, region: str) -> Any:
        endpoint = self._config.parsed_endpoint
        http = HttpProfile(
            protocol=endpoint.scheme if endpoint else "https",
            endpoint=endpoint.host_for(service) if endpoint else None,
            reqTimeout=self._config.timeout_s,
        )
        profile = ClientProfile(httpProfile=http, language="en-US")
        cred = credential.Credential(
            self._config.secret_id.get_secret_value(), self._config.secret_key.get_secret_value()
        )
        client = _CLIENTS[service](cred, region, profile)
        if endpoint is not None and endpoint.is_loopback:
            _bypass_proxies(client)
        return client


def _bypass_proxies(client: Any) -> None:
    """Send a loopback endpoint's requests directly, whatever HTTP_PROXY and NO_PROXY say."""
    connection = getattr(getattr(client, "request", None), "conn", None)
    session = getattr(connection, "_session", None)
    if connection is None or session is None or not hasattr(session, "trust_env"):
        raise AccountConfigError(
            "the installed tencentcloud-sdk-python-common no longer has the connection this client adjusts; "
            "install the version pinned in pyproject.toml"
        )
    connection.proxy = None  # the proxy the SDK took from HTTP_PROXY
    session.trust_env = False  # and requests' own reading of the proxy variables


def _failure(error: Any) -> TransportFailure:
    code = str(error.get_code() or "ClientError")
    message = error.get_message()
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    message = str(message or "")
    if code == "ClientNetworkError":
        return TransportFailure(code, message, unreachable=True)
    if code == "ServerNetworkError":
        # A non-200 status: an API error envelope inside is still an API error.
        found = _error_in(message)
        if found is not None:
            return found
        return TransportFailure(code, f"the endpoint answered with an HTTP error: {message[:200]}", unreachable=True)
    return TransportFailure(code, message, error.get_request_id())


def _error_in(body: str) -> TransportFailure | None:
    try:
        response = json.loads(body).get("Response", {})
        error = response["Error"]
        return TransportFailure(str(error["Code"]), str(error.get("Message", "")), response.get("RequestId"))
    except (ValueError, AttributeError, KeyError, TypeError):
        return None


@cache
def request_fields(service: str, action: str) -> frozenset[str]:
    """The parameter names the SDK's request model of ``action`` knows."""
    model = getattr(_MODELS[service], f"{action}Request")()
    return frozenset(name[1:] for name in vars(model) if name.startswith("_") and name != "_headers")
