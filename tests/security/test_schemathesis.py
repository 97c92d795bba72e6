"""Schemathesis over the whole API: /openapi.json tells the truth (issue 12, item 8).

For every operation of the schema, in both generation modes, hypothesis draws requests and
schemathesis runs all of its checks on every answer:

- positive (requests the schema allows): none may be refused (a 422, 413 or 400 fails), but
  with a 422 for what JSON Schema cannot say and the operation lists in ``x-also-refused``
  (api/responses.py: two policies with one PolicyIndex, a range written backwards...);
- negative (requests it forbids): none may be accepted (a 413 refuses too: a text over what
  the diagnosis reads);
- and always: no server error, every status, content type, header and body as declared,
  and, on a route that declares a token, the token enforced (schemathesis sends the
  request again without it and with a wrong one, and expects the declared 401).

A route that takes a token runs as the right caller (the admin, the event broker, the action
server), and once more as an anonymous caller, whose requests must all get the declared 401.
One test per operation, mode and caller, so a failure names its route; the message shows
the request as a curl command.

Bounded and reproducible: ``derandomize`` draws the same examples on every run, EXAMPLES per
test (about 2,000 requests), so the file runs in about two and a half minutes on 2 cores
(nothing in it is timed). For a slower, wider local run (300 examples: about a quarter of an hour)::

    HELPDESK_SCHEMATHESIS_EXAMPLES=300 HELPDESK_SCHEMATHESIS_SEED=random \\
        .venv/bin/python -m pytest tests/security/test_schemathesis.py -q

``HELPDESK_SCHEMATHESIS_EXAMPLES``: examples per test (default 25; anonymous runs take a
fifth). ``HELPDESK_SCHEMATHESIS_SEED``: ``random`` for new examples on every run, or a
number to replay one (its failures print the seed to reproduce them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from pydantic import SecretStr
from schemathesis import checks
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi

from api.main import create_app
from api.responses import ALSO_REFUSED
from helpdesk.settings import Settings

EXAMPLES = int(os.environ.get("HELPDESK_SCHEMATHESIS_EXAMPLES", "25"))
SEED = os.environ.get("HELPDESK_SCHEMATHESIS_SEED", "")
TOKENS = {"adminToken": "adm-st-5c1e9a", "eventsToken": "evt-st-07b2d4", "handoffToken": "hof-st-e83f61"}
SETTINGS = {
    "admin_token": SecretStr(TOKENS["adminToken"]),
    "events_token": SecretStr(TOKENS["eventsToken"]),
    "handoff_token": SecretStr(TOKENS["handoffToken"]),
    # Hundreds of requests from one address: no bucket (the limits have their own tests, test_limits.py).
    "rate_limit": "off",
    "rate_limit_protected_writes": "off",
    "threads": 2,
}
MODES = {"positive": GenerationMode.POSITIVE, "negative": GenerationMode.NEGATIVE}
# A body over its ceiling, or a message over what the engine reads, is refused with 413 (declared).
CONFIG = {"checks": {"negative_data_rejection": {"expected-statuses": ["400", "401", "404", "413", "422"]}}}


def _operations() -> list[tuple[str, str, str | None, bool]]:
    """(method, path, the token it takes, whether it has any input) for every operation of the schema."""
    spec = create_app(Settings(**SETTINGS)).openapi()  # no lifespan: nothing is loaded
    found = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            schemes = [name for requirement in op.get("security", []) for name in requirement]
            has_input = bool(op.get("parameters") or op.get("requestBody"))
            found.append((method.upper(), path, schemes[0] if schemes else None, has_input))
    return found


def _cases() -> Iterator[Any]:
    for method, path, token, has_input in _operations():
        for mode in MODES:
            # Nothing can be sent wrong to an operation without parameters or body.
            if mode == "negative" and not has_input:
                continue
            yield pytest.param(method, path, mode, "caller", id=f"{method} {path} {mode}")
        if token is not None:
            yield pytest.param(method, path, "positive", "anonymous", id=f"{method} {path} anonymous")


@pytest.fixture(scope="module")
def api_schemas(security_root: Path) -> Iterator[dict[str, Any]]:
    """The app (real index, real stores in a fresh folder) loaded in-process by schemathesis, as seen by
    the callers with their tokens (``caller``: schemathesis sends each route's declared token) and by an
    anonymous one (``anonymous``)."""
    app = create_app(Settings(index_dir=security_root / "index", data_dir=security_root / "schemathesis", **SETTINGS))
    tokens = {"auth": {"openapi": {scheme: {"bearer": token} for scheme, token in TOKENS.items()}}}
    yield {
        "caller": schemathesis.openapi.from_asgi(
            "/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG | tokens)
        ),
        "anonymous": schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG)),
    }
    asgi.shutdown_lifespans()  # schemathesis started the app's lifespan: close its stores and threads


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not SEED,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported as it is
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


def _documented_refusal(case: Any, response: Any) -> bool:
    """A 422 whose every problem the operation declares in x-also-refused (what JSON Schema cannot say)."""
    declared = case.operation.definition.raw.get(ALSO_REFUSED, [])
    if response.status_code != 422 or not declared:
        return False

    def declared_problem(problem: dict[str, Any]) -> bool:
        return any(
            item.get("type", problem["type"]) == problem["type"]
            and problem["loc"][: len(item.get("loc", []))] == item.get("loc", [])
            for item in declared
        )

    return all(declared_problem(p) for p in response.json()["detail"])


def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, but for the refusals the operation declares."""
    if _documented_refusal(case, response):
        return None
    return checks.positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path", "mode", "caller"), list(_cases()))
def test_the_api_does_what_its_schema_says(
    api_schemas: dict[str, Any], method: str, path: str, mode: str, caller: str
) -> None:
    operation = api_schemas[caller][path][method]
    anonymous = caller == "anonymous"
    examples = max(5, EXAMPLES // 5) if anonymous else EXAMPLES

    @_settings(examples)
    @given(case=operation.as_strategy(generation_mode=MODES[mode]))
    def check(case: Any) -> None:
        response = case.call_and_validate(
            excluded_checks=[checks.positive_data_acceptance], additional_checks=[valid_data_accepted]
        )
        if anonymous:
            assert response.status_code == 401, f"{case.method} {case.path} without a token: {response.text}"

    if SEED and SEED != "random":
        check = seed(int(SEED))(check)
    check()
