"""Read-only access to the Tencent Cloud account the helpdesk serves.

Off unless the operator configures a read-only API key. The client calls only the
``Describe*`` actions of :data:`account.actions.ALLOWED_ACTIONS`, through the
official SDK, with bounded timeouts, a short cache, a record of every call for the
operator, and errors that say what to fix. Two use cases turn what it reads into the
plain data the rule engine takes:

* :func:`read_deletion_facts`: why a security group cannot be deleted.
* :func:`read_reachability_facts`: the groups, templates and network ACL in front of
  an instance.

:class:`AccountService` is what the app holds: one shared client, a read per question
with that question's own record of calls, and the key's problems for the operator.

Typical use::

    from account import AccountClient, AccountConfig, CallLog, Secret, read_reachability_facts

    config = AccountConfig(Secret(secret_id), Secret(secret_key), region="ap-guangzhou")
    calls = CallLog()
    facts = read_reachability_facts(AccountClient(config, calls), "ins-12345678")
    facts.summary          # 'read 2 groups bound to ins-12345678 in ap-guangzhou at 10:32 UTC'
    facts.evaluate_input() # the body of POST /v1/security-groups/evaluate, without the flow
"""

from account.actions import ALLOWED_ACTIONS, ActionSpec, check_action
from account.audit import ApiCall, AuditSink, CallLog
from account.client import AccountClient
from account.config import AccountConfig, Secret
from account.deletion_facts import DeletionFacts, read_deletion_facts
from account.errors import (
    AccountApiError,
    AccountConfigError,
    AccountError,
    ActionNotAllowedError,
    ApiUnreachableError,
    CredentialsRejectedError,
    PermissionDeniedError,
    ResourceNotFoundError,
    ThrottledError,
)
from account.reachability_facts import ReachabilityFacts, read_reachability_facts
from account.reading import ReadRecord
from account.service import AccountProblem, AccountService, AccountStatus, problem_kind

__all__ = [
    "ALLOWED_ACTIONS",
    "AccountApiError",
    "AccountClient",
    "AccountConfig",
    "AccountConfigError",
    "AccountError",
    "AccountProblem",
    "AccountService",
    "AccountStatus",
    "ActionNotAllowedError",
    "ActionSpec",
    "ApiCall",
    "ApiUnreachableError",
    "AuditSink",
    "CallLog",
    "CredentialsRejectedError",
    "DeletionFacts",
    "PermissionDeniedError",
    "ReachabilityFacts",
    "ReadRecord",
    "ResourceNotFoundError",
    "Secret",
    "ThrottledError",
    "check_action",
    "problem_kind",
    "read_deletion_facts",
    "read_reachability_facts",
]
