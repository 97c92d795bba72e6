"""The read-only allow-list: the one place that says which API actions may be called.

Every entry is a ``Describe*`` action; :func:`check_action` refuses anything else
before a request is built, so a write can never leave this process. An entry also
says which service answers it (``vpc`` or ``cvm``), which preset CAM policy grants it,
how its paging parameters are typed (the vpc API takes ``Offset``/``Limit`` as
strings for most actions, DescribeNetworkAcls and cvm take numbers), which list the
answer holds, and which not-found code the service spells for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from account.errors import ActionNotAllowedError

Service = Literal["vpc", "cvm"]
Paging = Literal["string", "number"]
API_VERSION = "2017-03-12"  # both vpc and cvm
POLICIES: Mapping[Service, str] = {"vpc": "QcloudVPCReadOnlyAccess", "cvm": "QcloudCVMReadOnlyAccess"}


@dataclass(frozen=True)
class ActionSpec:
    """What the client needs to know about one allowed action.

    Attributes:
        service: ``vpc`` or ``cvm``.
        paging: How ``Offset``/``Limit`` are typed, or None when the action does not page.
        items: The list in the answer that paging collects (e.g. ``SecurityGroupSet``).
    """

    service: Service
    paging: Paging | None = None
    items: str | None = None

    @property
    def policy(self) -> str:
        """The preset CAM policy that grants this action."""
        return POLICIES[self.service]


ALLOWED_ACTIONS: Mapping[str, ActionSpec] = {
    "DescribeInstances": ActionSpec("cvm", "number", "InstanceSet"),
    "DescribeSecurityGroups": ActionSpec("vpc", "string", "SecurityGroupSet"),
    "DescribeSecurityGroupPolicies": ActionSpec("vpc"),
    "DescribeSecurityGroupAssociationStatistics": ActionSpec("vpc"),
    "DescribeSecurityGroupReferences": ActionSpec("vpc"),
    "DescribeAddressTemplates": ActionSpec("vpc", "string", "AddressTemplateSet"),
    "DescribeAddressTemplateGroups": ActionSpec("vpc", "string", "AddressTemplateGroupSet"),
    "DescribeServiceTemplates": ActionSpec("vpc", "string", "ServiceTemplateSet"),
    "DescribeServiceTemplateGroups": ActionSpec("vpc", "string", "ServiceTemplateGroupSet"),
    "DescribeNetworkAcls": ActionSpec("vpc", "number", "NetworkAclSet"),
}

# A second lock on the same door: even an entry added above by mistake cannot be a write.
assert all(name.startswith("Describe") for name in ALLOWED_ACTIONS), "the allow-list holds only Describe* actions"


def check_action(action: str) -> ActionSpec:
    """The spec of an allowed action.

    Raises:
        ActionNotAllowedError: ``action`` is not in :data:`ALLOWED_ACTIONS` or is not a
            ``Describe*`` action.
    """
    spec = ALLOWED_ACTIONS.get(action)
    if spec is None or not action.startswith("Describe"):
        raise ActionNotAllowedError(action)
    return spec
