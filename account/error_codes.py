"""What each error code means for the operator and for the user (see :mod:`account.errors`).

Tencent Cloud's codes are grouped by their prefix: ``AuthFailure.*`` is the key (except
``AuthFailure.UnauthorizedOperation``, CAM's refusal, which is a permission),
``UnauthorizedOperation*`` a permission, ``RequestLimitExceeded*`` throttling, and
``*.NotFound`` / ``*.Malformed`` / ``ResourceNotFound`` an id the region does not hold.
"""

from __future__ import annotations

from typing import Any

from account import errors
from account.actions import ActionSpec


def map_error(
    code: str,
    message: str,
    unreachable: bool,
    spec: ActionSpec,
    action: str,
    region: str,
    ids: tuple[str, ...],
    request_id: str | None,
    host: str,
) -> errors.AccountApiError:
    """The error of the package for an error code (see :mod:`account.errors`)."""
    common: dict[str, Any] = {"action": action, "region": region, "code": code, "request_id": request_id}
    said = f" Tencent Cloud said: {message}" if message else ""
    if unreachable:
        return errors.ApiUnreachableError(
            f"could not get an answer from {host} ({code}: {message[:200]}). Check this machine's network and "
            "HELPDESK_TENCENTCLOUD_ENDPOINT; meanwhile the helpdesk asks users to paste what it cannot read.",
            user_message=(
                "I can't reach your account's API right now, so please paste the details "
                "(for example the output of the console or of the Describe* API) instead."
            ),
            **common,
        )
    if _is_permission(code):
        denied = errors.PermissionDeniedError(
            f"the API key may not call {spec.service}:{action} ({code}). Attach the preset CAM policy "
            f"{spec.policy} to the key's sub-user (CAM console > Users > the user > Associate Policy), "
            f"then ask again.{said}",
            user_message=(
                "I'm not allowed to read that part of your account (the helpdesk's access is missing a permission "
                "its operator must add), so please paste the details instead."
            ),
            **common,
        )
        denied.policy = spec.policy
        return denied
    if code.startswith("AuthFailure"):
        return errors.CredentialsRejectedError(
            f"Tencent Cloud rejected the API key ({code}): {_key_fix(code)}.{said}",
            user_message=(
                "The account check is unavailable right now (the helpdesk's access to your account needs fixing "
                "by its operator), so please paste the details instead."
            ),
            **common,
        )
    if code.startswith("RequestLimitExceeded"):
        return errors.ThrottledError(
            f"still throttled ({code}) after the retries; the account's API rate limit is used up, try again "
            f"in a few seconds.{said}",
            user_message="Your account's API is busy right now; please try again in a moment, or paste the details.",
            **common,
        )
    if _is_not_found(code):
        shown = ", ".join(ids) or "the resource asked about"
        missing = errors.ResourceNotFoundError(
            f"{shown} not found in region {region} ({code}).{said}",
            user_message=(
                f"I couldn't find {shown} in region {region}. Please check the id, or tell me which region it is in."
            ),
            **common,
        )
        missing.resource_id = ids[0] if ids else ""
        return missing
    if code in ("UnsupportedRegion", "InvalidRegion") or code.startswith("InvalidParameterValue.Region"):
        return errors.AccountApiError(
            f"region {region} cannot be read ({code}).{said}",
            user_message=f"{region} isn't a region I can read; which region is it in (e.g. ap-guangzhou)?",
            **common,
        )
    return errors.AccountApiError(
        f"the API answered {code}.{said} Quote the RequestId to Tencent Cloud support if it persists.",
        user_message=errors.UNAVAILABLE,
        **common,
    )


def _is_permission(code: str) -> bool:
    return code in ("UnauthorizedOperation", "AuthFailure.UnauthorizedOperation") or code.startswith(
        ("UnauthorizedOperation.", "AuthFailure.UnauthorizedOperation.")
    )


def _is_not_found(code: str) -> bool:
    return (
        code == "ResourceNotFound" or code.endswith((".NotFound", ".Malformed")) or code.startswith("ResourceNotFound.")
    )


def _key_fix(code: str) -> str:
    fixes = {
        "AuthFailure.SecretIdNotFound": (
            "the SecretId in TENCENTCLOUD_SECRET_ID does not exist or is disabled; create an API key for the "
            "read-only sub-user and set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY to it"
        ),
        "AuthFailure.SignatureFailure": (
            "the signature does not match: TENCENTCLOUD_SECRET_KEY is not the key of TENCENTCLOUD_SECRET_ID; "
            "set the matching pair"
        ),
        "AuthFailure.SignatureExpire": (
            "this machine's clock is more than 5 minutes off Tencent Cloud's; synchronise it (NTP)"
        ),
        "AuthFailure.InvalidSecretId": "TENCENTCLOUD_SECRET_ID is not an API key's SecretId; copy it again",
    }
    return fixes.get(code, "check TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
