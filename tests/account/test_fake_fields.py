"""Every answer of the fake uses the SDK models' field names (fails when a name drifts)."""

from __future__ import annotations

import warnings
from typing import Any

from tencentcloud.common.abstract_model import AbstractModel  # type: ignore[import-untyped]
from tencentcloud.cvm.v20170312 import models as cvm_models  # type: ignore[import-untyped]
from tencentcloud.vpc.v20170312 import models as vpc_models  # type: ignore[import-untyped]

from account import ALLOWED_ACTIONS, AccountClient, read_deletion_facts, read_reachability_facts
from tests.account.fake_cloud import FakeCloud

MODELS = {"vpc": vpc_models, "cvm": cvm_models}


def unknown_fields(model: Any, data: dict[str, Any], path: str) -> list[str]:
    """Keys of ``data`` (recursively) that the SDK model does not know."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns about unknown fields; this test names them
        model._deserialize(data)
    known = {name[1:]: value for name, value in vars(model).items() if name.startswith("_") and name != "_headers"}
    found = [f"{path}.{key}" for key in data if key not in known]
    for key, value in data.items():
        attribute = known.get(key)
        if isinstance(value, dict) and isinstance(attribute, AbstractModel):
            found += unknown_fields(type(attribute)(), value, f"{path}.{key}")
        elif isinstance(value, list) and isinstance(attribute, list):
            for i, (item, parsed) in enumerate(zip(value, attribute, strict=False)):
                if isinstance(item, dict) and isinstance(parsed, AbstractModel):
                    found += unknown_fields(type(parsed)(), item, f"{path}.{key}[{i}]")
    return found


def test_unknown_fields_catches_a_drifted_name() -> None:
    response = {"SecurityGroupSet": [{"SecurityGroupId": "sg-1", "IsDefualt": True}], "TotalCount": 1, "RequestId": "r"}
    found = unknown_fields(vpc_models.DescribeSecurityGroupsResponse(), response, "DescribeSecurityGroups")
    assert found == ["DescribeSecurityGroups.SecurityGroupSet[0].IsDefualt"]


def test_every_answer_of_the_fake_uses_the_sdk_field_names(fake: FakeCloud, client: AccountClient) -> None:
    read_deletion_facts(client, "sg-old00001")
    read_reachability_facts(client, "ins-web00001")
    for action, spec in ALLOWED_ACTIONS.items():
        if spec.paging:
            client.describe_all(action)
    answered = {e.action for e in fake.exchanges}
    assert answered == set(ALLOWED_ACTIONS), "every allowed action was answered at least once"
    problems = []
    for exchange in fake.exchanges:
        model = getattr(MODELS[exchange.service], f"{exchange.action}Response")()
        problems += unknown_fields(model, exchange.response, exchange.action)
    assert problems == []
