"""Errors of the account integration, each saying what went wrong and what to do next.

Every error has two texts: ``str(error)`` is for the operator's log (what to fix),
``user_message`` is what the helpdesk may tell the person asking. Neither ever holds
the SecretId or the SecretKey.

* :class:`AccountConfigError`: the configuration is wrong (raised before any call).
* :class:`ActionNotAllowedError`: a call outside the read-only allow-list (before any I/O).
* :class:`AccountApiError` and its kinds, raised by a call:
  :class:`CredentialsRejectedError` (``AuthFailure.*``: fix the key),
  :class:`PermissionDeniedError` (``UnauthorizedOperation``: attach the CAM policy named),
  :class:`ResourceNotFoundError` (no such id in that region),
  :class:`ThrottledError` (``RequestLimitExceeded`` after the retries),
  :class:`ApiUnreachableError` (no answer: ask the user to paste what the API would say).
"""

from __future__ import annotations

UNAVAILABLE = "I can't check your account right now, so I'll need you to paste the details instead."


class AccountError(Exception):
    """Base class of every error of the account package."""

    user_message: str = UNAVAILABLE


class AccountConfigError(AccountError):
    """The account configuration is wrong; the message names the setting to fix."""


class ActionNotAllowedError(AccountError):
    """A call outside the read-only allow-list was attempted; nothing was sent."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(
            f"{action!r} is not in the read-only allow-list (account/actions.py): the helpdesk only calls the "
            "Describe* actions listed there. Add a Describe* action there if a new read is needed; never a write."
        )


class AccountApiError(AccountError):
    """A call reached the API (or tried to) and failed.

    Attributes:
        action: The action called, e.g. ``DescribeSecurityGroups``.
        region: The region it was called in.
        code: Tencent Cloud's error code, or a local one (``ClientNetworkError`` ...).
        request_id: The API's RequestId when it answered (quote it to Tencent Cloud support).
    """

    def __init__(
        self, message: str, *, action: str, region: str, code: str, request_id: str | None, user_message: str
    ) -> None:
        self.action = action
        self.region = region
        self.code = code
        self.request_id = request_id
        self.user_message = user_message
        suffix = f" (RequestId {request_id})" if request_id else ""
        super().__init__(f"{action} in {region}: {message}{suffix}")


class CredentialsRejectedError(AccountApiError):
    """The API rejected the key (``AuthFailure.*``): the operator must fix it."""


class PermissionDeniedError(AccountApiError):
    """The key lacks a permission; ``policy`` names the preset CAM policy that grants it."""

    policy: str = ""


class ResourceNotFoundError(AccountApiError):
    """The id asked about does not exist in that region."""

    resource_id: str = ""


class ThrottledError(AccountApiError):
    """``RequestLimitExceeded`` on every retry."""


class ApiUnreachableError(AccountApiError):
    """No usable answer (refused, timed out, not the API): fall back to asking the user."""
