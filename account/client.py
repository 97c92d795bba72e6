"""The read-only client: allowed actions only, cached, recorded, retried when throttled.

Each call goes: allow-list check (before anything is built or sent) → region and
parameter names checked → cache → the SDK (bounded timeout) → the answer checked for
Tencent Cloud's error envelope → an :class:`account.audit.ApiCall` for the audit sink
→ a clear error (see :mod:`account.errors`) or the ``Response`` object.

Throttling (``RequestLimitExceeded``) is retried ``max_retries`` times with doubling
back-off (0.5 s, 1 s, 2 s by default); nothing else is retried, so an unreachable API
fails fast and the caller falls back to asking the user to paste.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from account import errors
from account.actions import ActionSpec, check_action
from account.audit import OK, ApiCall, AuditSink, discard
from account.cache import TtlCache, cache_key
from account.config import AccountConfig, check_region
from account.error_codes import map_error
from account.sdk import SdkTransport, Transport, TransportFailure, request_fields

log = logging.getLogger(__name__)
PAGE_SIZE = 100
MAX_ITEMS = 2000


class AccountClient:
    """Reads one Tencent Cloud account through the allow-listed Describe* actions.

    Args:
        config: Credentials, default region, endpoint and limits.
        audit: Receives one record per request sent or answer served from the cache.
        transport: What sends requests; the official SDK unless a test gives another.
        sleep: Waits between retries (injectable so tests need not wait).
        now: The wall clock for the records (UTC).
        monotonic: The clock the cache expires by (injectable for tests).
        backoff_s: The first retry's wait; each further retry waits twice as long.
    """

    def __init__(
        self,
        config: AccountConfig,
        audit: AuditSink = discard,
        *,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        backoff_s: float = 0.5,
    ) -> None:
        self._config = config
        self._audit = audit
        self._transport = transport if transport is not None else SdkTransport(config)
        self._sleep = sleep
        self._now = now
        self._backoff_s = backoff_s
        self._cache = TtlCache(config.cache_ttl_s, monotonic)

    def __repr__(self) -> str:
        return f"AccountClient(region={self._config.region!r}, endpoint={self._config.endpoint!r})"

    def with_audit(self, audit: AuditSink) -> AccountClient:
        """A client for one conversation's reads: its own audit sink, this client's transport and cache.

        Sharing the cache means one user's question a moment after another's does not call
        the API twice for the same group; each conversation's records still list every call
        made for it (a cached answer as ``cached``).
        """
        twin = copy.copy(self)
        twin._audit = audit
        return twin

    @property
    def config(self) -> AccountConfig:
        """The configuration (its secrets never show in ``repr``)."""
        return self._config

    def host(self, service: str) -> str:
        """The host a service is called at (for messages; never a secret)."""
        return self._transport.host(service)

    @property
    def region(self) -> str:
        """The default region."""
        return self._config.region

    def now(self) -> datetime:
        """The client's wall clock (UTC), for "read at" stamps."""
        return self._now()

    def describe(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        region: str | None = None,
        resource_ids: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Call one allowed action and return its ``Response`` object (without RequestId).

        Args:
            action: A name from :data:`account.actions.ALLOWED_ACTIONS`.
            params: The action's parameters, named as Tencent Cloud names them.
            region: The region to read (default: the configured one).
            resource_ids: The ids asked about, for the audit record and error messages.

        Raises:
            ActionNotAllowedError: ``action`` is not allow-listed (nothing is sent).
            AccountConfigError: a bad region name (nothing is sent).
            AccountApiError: one of its kinds, see :mod:`account.errors`.
        """
        spec = check_action(action)
        where = check_region(region or self._config.region)
        sent = dict(params or {})
        _check_params(spec, action, sent)
        ids = tuple(resource_ids)
        key = cache_key(action, where, sent)
        cached = self._cache.get(key)
        if cached is not None:
            self._audit(ApiCall(action, spec.service, where, ids, OK, None, 0.0, self._now(), cached=True))
            return cached
        for attempt in range(1, self._config.max_retries + 2):
            started, clock = self._now(), time.perf_counter()
            try:
                response = self._send(spec, where, action, sent)
            except _Failed as failed:
                duration = (time.perf_counter() - clock) * 1000
                self._record(action, spec, where, ids, failed.code, failed.request_id, duration, started, attempt)
                if failed.code.startswith("RequestLimitExceeded") and attempt <= self._config.max_retries:
                    self._sleep(self._backoff_s * 2 ** (attempt - 1))
                    continue
                # An API's own error message may quote the key's id: it is kept (redacted) in the error
                # raised, never chained; a network failure is chained for its diagnosis.
                raise self._error(failed, spec, action, where, ids) from (failed.cause if failed.unreachable else None)
            request_id = response.pop("RequestId", None)
            duration = (time.perf_counter() - clock) * 1000
            self._record(action, spec, where, ids, OK, _text(request_id), duration, started, attempt)
            self._cache.put(key, response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def describe_all(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        region: str | None = None,
        resource_ids: Sequence[str] = (),
    ) -> list[dict[str, Any]]:
        """Every item of a paged action, page by page (``Offset``/``Limit`` typed as it wants).

        Raises:
            ActionNotAllowedError, AccountApiError: as :meth:`describe`; also when the
                account holds more than 2000 matching items (narrow the filter).
        """
        spec = check_action(action)
        if spec.paging is None or spec.items is None:
            raise ValueError(f"{action} does not page; call describe()")
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page_params = {**(params or {}), "Offset": _paging(spec, offset), "Limit": _paging(spec, PAGE_SIZE)}
            response = self.describe(action, page_params, region=region, resource_ids=resource_ids)
            page = [i for i in response.get(spec.items) or [] if isinstance(i, dict)]
            items.extend(page)
            offset += len(page)
            total = response.get("TotalCount")
            if not page or len(page) < PAGE_SIZE or (isinstance(total, int) and offset >= total):
                return items
            if offset >= MAX_ITEMS:
                raise errors.AccountApiError(
                    f"more than {MAX_ITEMS} items match; narrow the filter",
                    action=action,
                    region=region or self._config.region,
                    code="TooManyItems",
                    request_id=None,
                    user_message=errors.UNAVAILABLE,
                )

    def clear_cache(self) -> None:
        """Forget every cached answer (e.g. after the user says they changed something)."""
        self._cache.clear()

    def _send(self, spec: ActionSpec, region: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self._transport.call(spec.service, region, action, params)
        except TransportFailure as e:
            raise _Failed(e.code, e.message, e.request_id, e.unreachable, e) from e
        response = answer.get("Response")
        if not isinstance(response, dict):
            raise _Failed("InvalidResponse", "the answer has no Response object", None, True, None)
        error = response.get("Error")
        if error is not None:
            # Also when the SDK missed it (a Content-Type other than exactly application/json).
            code = _text(error.get("Code")) if isinstance(error, dict) else None
            message = _text(error.get("Message")) if isinstance(error, dict) else None
            raise _Failed(code or "UnknownError", message or "", _text(response.get("RequestId")), False, None)
        return response

    def _record(
        self,
        action: str,
        spec: ActionSpec,
        region: str,
        ids: tuple[str, ...],
        result: str,
        request_id: str | None,
        duration_ms: float,
        started: datetime,
        attempt: int,
    ) -> None:
        call = ApiCall(
            action, spec.service, region, ids, result, request_id, round(duration_ms, 1), started, False, attempt
        )
        log.debug("tencent cloud call %s %s %s -> %s in %.0f ms", action, region, ",".join(ids), result, duration_ms)
        self._audit(call)

    def _error(
        self, failed: _Failed, spec: ActionSpec, action: str, region: str, ids: tuple[str, ...]
    ) -> errors.AccountApiError:
        message = self._redact(failed.message)
        host = self._transport.host(spec.service)
        return map_error(failed.code, message, failed.unreachable, spec, action, region, ids, failed.request_id, host)

    def _redact(self, text: str) -> str:
        for secret in (self._config.secret_key, self._config.secret_id):
            value = secret.get_secret_value()
            if value:
                text = text.replace(value, "***")
        return text


class _Failed(Exception):
    def __init__(
        self, code: str, message: str, request_id: str | None, unreachable: bool, cause: BaseException | None
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.unreachable = unreachable
        self.cause = cause


def _check_params(spec: ActionSpec, action: str, params: Mapping[str, Any]) -> None:
    unknown = sorted(set(params) - request_fields(spec.service, action))
    if unknown:
        raise ValueError(f"{action} has no parameter {', '.join(unknown)}; check the name against the API reference")


def _paging(spec: ActionSpec, value: int) -> str | int:
    return str(value) if spec.paging == "string" else value


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
