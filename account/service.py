"""The account as the app uses it: one shared client, a read per question, and the key's health.

:class:`AccountService` holds the one :class:`~account.client.AccountClient` of the
process (its cache is shared by every conversation) and hands each question a client
with that question's own audit sink, so every call is recorded with the conversation
that caused it. It also keeps what the operator must know about the key: the latest
problem of each kind (the key rejected, a CAM policy missing, the API unreachable),
cleared by the next call that succeeds, and when a call last succeeded. Nothing here
holds or shows a secret: the problems keep the client's messages, which are redacted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from account.actions import ALLOWED_ACTIONS
from account.audit import OK, ApiCall, AuditSink
from account.client import AccountClient
from account.config import AccountConfig
from account.deletion_facts import DeletionFacts, read_deletion_facts
from account.error_codes import map_error
from account.errors import (
    AccountApiError,
    AccountError,
    ApiUnreachableError,
    CredentialsRejectedError,
    PermissionDeniedError,
    ResourceNotFoundError,
    ThrottledError,
)
from account.reachability_facts import ReachabilityFacts, read_reachability_facts
from account.sdk import Transport

log = logging.getLogger("helpdesk.account")

ProblemKind = Literal["credentials", "permission", "not_found", "throttled", "unreachable", "failed"]
AccountState = Literal["off", "configured", "unavailable"]
# What the SDK reports when no API answer came back (account/sdk.py).
NO_ANSWER = frozenset({"ClientNetworkError", "ServerNetworkError", "InvalidResponse"})


def problem_kind(error: AccountError) -> ProblemKind:
    """What kind of failure ``error`` is, for replies and the operator's view."""
    if isinstance(error, CredentialsRejectedError):
        return "credentials"
    if isinstance(error, PermissionDeniedError):
        return "permission"
    if isinstance(error, ResourceNotFoundError):
        return "not_found"
    if isinstance(error, ThrottledError):
        return "throttled"
    if isinstance(error, ApiUnreachableError):
        return "unreachable"
    return "failed"


@dataclass(frozen=True)
class AccountProblem:
    """A failed read, as the operator sees it.

    Attributes:
        kind: See :data:`ProblemKind`.
        code: Tencent Cloud's error code (or ``ClientNetworkError``...).
        message: What went wrong and what to fix (for the operator; no secret in it).
        user_message: What the person asking is told.
        action: The action that failed.
        region: Where.
        policy: For ``permission``: the preset CAM policy to attach.
        request_id: The API's RequestId, when it answered.
        at: When (UTC).
    """

    kind: ProblemKind
    code: str
    message: str
    user_message: str
    action: str
    region: str
    policy: str | None
    request_id: str | None
    at: datetime

    @classmethod
    def of(cls, error: AccountError, at: datetime) -> AccountProblem:
        """The problem of an error of the account package."""
        api = error if isinstance(error, AccountApiError) else None
        return cls(
            kind=problem_kind(error),
            code=api.code if api else type(error).__name__,
            message=str(error),
            user_message=error.user_message,
            action=api.action if api else "",
            region=api.region if api else "",
            policy=(error.policy or None) if isinstance(error, PermissionDeniedError) else None,
            request_id=api.request_id if api else None,
            at=at,
        )


@dataclass(frozen=True)
class AccountStatus:
    """Whether the account can be read, for /readyz and the operator.

    Attributes:
        state: ``off`` (no key configured), ``configured`` (no problem with the key or the
            network known; a missing permission is listed in ``problems``), ``unavailable``
            (the key is rejected or the API does not answer).
        region: The default region.
        endpoint: The API host (``vpc.tencentcloudapi.com`` or the override).
        problems: The latest problem of each kind that stops reads (key, network, a
            service's permission), oldest first; a later successful call clears them.
        last_ok_at: When a call last succeeded (None: none yet).
    """

    state: AccountState
    region: str | None
    endpoint: str | None
    problems: tuple[AccountProblem, ...]
    last_ok_at: datetime | None

    @property
    def reason(self) -> str | None:
        """What to fix first: the problem that makes the account unavailable (the key, the
        network), else the first one; None when there is none."""
        blocking = [p for p in self.problems if p.kind in ("credentials", "unreachable")]
        if blocking:
            return blocking[-1].message
        return self.problems[0].message if self.problems else None


class AccountService:
    """Reads for the app's questions over one shared client; tracks the key's problems.

    Args:
        config: The account configuration, or None when reading the account is off.
        transport, sleep, now: Passed to :class:`AccountClient` (tests inject them).
    """

    def __init__(
        self,
        config: AccountConfig | None,
        *,
        transport: Transport | None = None,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._client: AccountClient | None = None
        if config is not None:
            self._client = AccountClient(config, transport=transport, sleep=sleep or time.sleep, now=self._now)
        self._lock = threading.Lock()
        self._problems: dict[str, AccountProblem] = {}
        self._last_ok: datetime | None = None

    @property
    def configured(self) -> bool:
        """Whether a key is configured."""
        return self._client is not None

    @property
    def region(self) -> str | None:
        """The default region (None when off)."""
        return self._client.region if self._client is not None else None

    def status(self, recent: Sequence[ApiCall] | None = None) -> AccountStatus:
        """The account's state and the problems the operator should fix.

        Args:
            recent: The latest calls of every process (newest first), e.g. as the app
                records them: the state they show is the same in every worker. None: what
                this process met.
        """
        if self._client is None:
            return AccountStatus("off", None, None, (), None)
        if recent is not None:
            found, last_ok = self._problems_in(recent)
            problems = tuple(sorted(found.values(), key=lambda p: p.at))
        else:
            with self._lock:
                problems = tuple(sorted(self._problems.values(), key=lambda p: p.at))
                last_ok = self._last_ok
        blocking = any(p.kind in ("credentials", "unreachable") for p in problems)
        return AccountStatus(
            "unavailable" if blocking else "configured",
            self._client.region,
            self._client.host("vpc"),
            problems,
            last_ok,
        )

    def problem_of(self, call: ApiCall) -> AccountProblem | None:
        """The key, network or permission problem a recorded call shows (None for any other result)."""
        spec = ALLOWED_ACTIONS.get(call.action)
        if self._client is None or spec is None or call.result == OK or call.cached:
            return None
        host = self._client.host(spec.service)
        unreachable = call.result in NO_ANSWER
        error = map_error(
            call.result, "", unreachable, spec, call.action, call.region, call.resource_ids, call.request_id, host
        )
        problem = AccountProblem.of(error, call.started_at)
        return problem if problem.kind in ("credentials", "unreachable", "permission") else None

    def _problems_in(self, recent: Sequence[ApiCall]) -> tuple[dict[str, AccountProblem], datetime | None]:
        """The problems the calls show that no later call cleared, and when a call last succeeded."""
        problems: dict[str, AccountProblem] = {}
        ok_services: set[str] = set()
        last_ok: datetime | None = None
        for call in recent:  # newest first
            if call.cached:
                continue
            if call.result == OK:
                last_ok = last_ok or call.started_at
                ok_services.add(call.service)
                continue
            problem = self.problem_of(call)
            if problem is None:
                continue
            if problem.kind == "permission":
                key = f"permission:{call.service}"
                cleared = call.service in ok_services
            else:
                key = problem.kind
                cleared = bool(ok_services)
            if not cleared and key not in problems:
                problems[key] = problem
        return problems, last_ok

    def read_deletion(self, group_id: str, region: str | None, audit: AuditSink) -> DeletionFacts:
        """:func:`read_deletion_facts` for one question, its calls given to ``audit``.

        Raises:
            AccountError: as :func:`read_deletion_facts` (also noted for the operator).
        """
        client = self._client_for(audit)
        try:
            return read_deletion_facts(client, group_id, region)
        except AccountError as e:
            self._note(e)
            raise

    def read_reachability(self, instance_id: str, region: str | None, audit: AuditSink) -> ReachabilityFacts:
        """:func:`read_reachability_facts` for one question, its calls given to ``audit``.

        Raises:
            AccountError: as :func:`read_reachability_facts` (also noted for the operator).
        """
        client = self._client_for(audit)
        try:
            return read_reachability_facts(client, instance_id, region)
        except AccountError as e:
            self._note(e)
            raise

    def _client_for(self, audit: AuditSink) -> AccountClient:
        if self._client is None:
            raise AccountError("reading the account is off: set TENCENTCLOUD_SECRET_ID, _KEY and _REGION")

        def watched(call: ApiCall) -> None:
            if call.result == OK and not call.cached:
                self._succeeded(call)
            audit(call)

        return self._client.with_audit(watched)

    def _succeeded(self, call: ApiCall) -> None:
        with self._lock:
            self._last_ok = call.started_at
            for key in ("credentials", "unreachable", f"permission:{call.service}"):
                self._problems.pop(key, None)

    def _note(self, error: AccountError) -> None:
        problem = AccountProblem.of(error, self._now())
        if problem.kind == "not_found":
            log.info("tencent cloud: %s", problem.message)
            return
        log.warning("tencent cloud account read failed: %s", problem.message)
        key: str
        if problem.kind in ("credentials", "unreachable"):
            key = problem.kind
        elif problem.kind == "permission":
            key = f"permission:{_service_of(problem)}"
        else:
            return  # throttling and one-off failures do not describe the key
        with self._lock:
            self._problems[key] = problem


def _service_of(problem: AccountProblem) -> str:
    return "vpc" if problem.policy == "QcloudVPCReadOnlyAccess" else "cvm"
