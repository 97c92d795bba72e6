"""/openapi.json: FastAPI's document, completed with what only the app's data can say.

The rule engine's hand-written schemas (``api/rule_schemas.py``) join the components.

A region field (``api.schema_types.RegionName``) takes the names of the app's own region
vocabulary, and an id of a case (``api.schema_types.vocabulary``: a service, symptom,
claim, check or cause) one of the ids of its vocabulary (its knowledge folder's
troubleshooting/*.yaml): the document lists them, read from the running app's vocabulary,
or from the knowledge folder of its settings before it has loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from api.regions import REGION_ID_PATTERN, region_names
from api.rule_patterns import any_case
from api.rule_schemas import COMPONENTS as RULE_COMPONENTS
from api.schema_types import REGION_NAMES, VOCABULARY
from diagnosis.vocabulary import Vocabulary
from helpdesk.settings import Settings


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Make ``app.openapi()`` (and so /openapi.json) the completed document, built once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()  # FastAPI's own, kept in app.openapi_schema
            document.setdefault("components", {}).setdefault("schemas", {}).update(RULE_COMPONENTS)
            vocab = _vocabulary(app, settings)
            names = sorted(region_names(vocab))
            _complete(document, REGION_NAMES, lambda schema, _: _region(schema, names))
            _complete(document, VOCABULARY, lambda schema, part: schema.update(enum=sorted(getattr(vocab, part))))
            return document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _vocabulary(app: FastAPI, settings: Settings) -> Vocabulary:
    services = getattr(app.state, "services", None)
    if services is not None:
        vocab: Vocabulary = services.diagnoser.vocab
        return vocab
    from diagnosis.vocab_loader import load_vocabulary
    from knowledge import load_knowledge

    return load_vocabulary(load_knowledge(settings.knowledge_dir))


def _complete(node: Any, mark: str, fill: Callable[[dict[str, Any], Any], None]) -> None:
    """Call ``fill(schema, value)`` on every schema of ``node`` that carries ``mark`` (and drop the mark)."""
    if isinstance(node, dict):
        value = node.pop(mark, None)
        if value is not None:
            fill(node, value)
        for value in node.values():
            _complete(value, mark, fill)
    elif isinstance(node, list):
        for value in node:
            _complete(value, mark, fill)


def _region(schema: dict[str, Any], names: list[str]) -> None:
    """A region: an id, or one of ``names`` (any case and width, white space around)."""
    schema.pop("type", None)
    schema["anyOf"] = [
        {"type": "string", "pattern": REGION_ID_PATTERN, "description": "A region id"},
        {"type": "string", "pattern": any_case(*names, spaces=True), "description": "A region's name, any case"},
    ]
    schema.setdefault("examples", ["ap-guangzhou", "广州"])
