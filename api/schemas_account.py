"""Bodies about reading the Tencent Cloud account: the calls made, the key's state, what a reply read.

Nothing here ever holds a credential: calls are what was asked and how it went, problems
are the client's messages (the SecretId and SecretKey are redacted before any message
leaves ``account/``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from account import AccountProblem, AccountStatus, ApiCall
from deflection import AccountCallRecord

ProblemKindName = Literal["credentials", "permission", "not_found", "throttled", "unreachable", "failed"]


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (the store keeps naive UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class AccountCallBody(BaseModel):
    """One call of the read-only API."""

    at: datetime = Field(description="When it started (UTC)")
    conversation_id: str | None = Field(description="The conversation it was made for; null: a direct API request")
    purpose: Literal["deletion_check", "diagnose"]
    action: str = Field(examples=["DescribeSecurityGroupPolicies"])
    service: Literal["vpc", "cvm"]
    region: str
    resource_ids: list[str] = Field(description="The ids asked about")
    result: str = Field(description="ok, or Tencent Cloud's error code (ClientNetworkError when nothing answered)")
    request_id: str | None = Field(description="The API's RequestId (quote it to Tencent Cloud support)")
    duration_ms: float = Field(description="0 when the answer came from the app's short cache")
    cached: bool = Field(description="Answered from the cache: nothing was sent")
    attempt: int = Field(description="1, or 2.. for retries after RequestLimitExceeded")

    @classmethod
    def of(cls, c: AccountCallRecord) -> AccountCallBody:
        return cls(
            at=utc(c.at),
            conversation_id=c.conversation_id,
            purpose=c.purpose,
            action=c.action,
            service=c.service,
            region=c.region,
            resource_ids=list(c.resource_ids),
            result=c.result,
            request_id=c.request_id,
            duration_ms=c.duration_ms,
            cached=c.cached,
            attempt=c.attempt,
        )


def call_record(call: ApiCall, conversation_id: str | None, purpose: str) -> AccountCallRecord:
    """The store's record of one call of the client."""
    return AccountCallRecord(
        call.started_at,
        conversation_id,
        purpose,
        call.action,
        call.service,
        call.region,
        call.resource_ids,
        call.result,
        call.request_id,
        call.duration_ms,
        call.cached,
        call.attempt,
    )


class AccountProblemBody(BaseModel):
    """A problem with the key, a permission or the network, and what to fix."""

    kind: ProblemKindName
    code: str = Field(examples=["AuthFailure.SignatureFailure"])
    message: str = Field(description="What went wrong and what to fix (no secret in it)")
    policy: str | None = Field(description="permission: the preset CAM policy to attach")
    action: str
    region: str
    request_id: str | None
    at: datetime

    @classmethod
    def of(cls, p: AccountProblem) -> AccountProblemBody:
        return cls(
            kind=p.kind,
            code=p.code,
            message=p.message,
            policy=p.policy,
            action=p.action,
            region=p.region,
            request_id=p.request_id,
            at=utc(p.at),
        )


class AccountStatusBody(BaseModel):
    """Whether the account can be read (also in /readyz)."""

    state: Literal["off", "configured", "unavailable"] = Field(
        description="off: no key set; configured: no problem with the key or the network known (a missing "
        "permission is listed in problems); unavailable: the key is rejected or the API does not answer"
    )
    region: str | None = Field(description="The default region (TENCENTCLOUD_REGION)")
    endpoint: str | None = Field(description="The API host called")
    reason: str | None = Field(description="The first problem's message: what to fix")
    problems: list[AccountProblemBody] = Field(description="The latest problem of each kind; a later success clears it")
    last_ok_at: datetime | None = Field(description="When a call last succeeded")

    @classmethod
    def of(cls, s: AccountStatus) -> AccountStatusBody:
        return cls(
            state=s.state,
            region=s.region,
            endpoint=s.endpoint,
            reason=s.reason,
            problems=[AccountProblemBody.of(p) for p in s.problems],
            last_ok_at=utc(s.last_ok_at) if s.last_ok_at else None,
        )


class AccountCallsResponse(BaseModel):
    """Answer of GET /v1/admin/account-calls."""

    account: AccountStatusBody
    total: int = Field(description="Calls kept that match the filter (the latest 50,000 are kept)")
    calls: list[AccountCallBody] = Field(description="Newest first")


class AccountErrorBody(BaseModel):
    """Why the account could not be read for this answer (the user is asked to paste instead)."""

    kind: ProblemKindName
    message: str = Field(description="What the person asking may be told (English)")
    policy: str | None = Field(description="permission: the preset CAM policy the operator must attach")
    resource_id: str | None = Field(description="not_found: the id the region does not hold")


class AccountReadBody(BaseModel):
    """What a deletion check read from the account, and when."""

    read: bool = Field(description="The answer comes from the account")
    region: str
    summary: str | None = Field(
        description="e.g. 'read sg-1a2b3c4d in ap-guangzhou at 10:32 UTC: 2 CVM, 1 CLB bound; 1 group refers to it'"
    )
    read_at: datetime | None
    calls: list[AccountCallBody] = Field(description="Every call made for this answer")
    notes: list[str] = Field(description="What could not be read or does not add up")
    error: AccountErrorBody | None
