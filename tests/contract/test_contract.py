"""The contract package: standard library only, one detector, kinds and payloads that every
side agrees on, and the actions' API view checked against the app's own OpenAPI document."""

from __future__ import annotations

import ast
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from contract import REPLY_KINDS, detect_language, reply_language
from contract.api import REQUESTS, SCHEMA_OF
from contract.payloads import PAYLOAD_OF, TextIntent
from deflection import outcomes

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "contract"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted(CONTRACT.glob("*.py")), ids=lambda p: p.name)
def test_contract_imports_only_the_standard_library_and_itself(path: Path) -> None:
    foreign = {name for name in _imports(path) if name not in sys.stdlib_module_names and name != "contract"}
    assert not foreign, f"{path.name} imports {sorted(foreign)}: the contract must run in both environments"


def test_contract_imports_on_the_rasa_side_python() -> None:
    # The actions and Rasa's channels run on Python 3.10 (.venv-rasa): the contract must import there.
    python = REPO / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        pytest.skip("no .venv-rasa: run scripts/setup.sh")
    code = "import contract, contract.api, contract.payloads; print(len(contract.REPLY_KINDS))"
    done = subprocess.run([str(python), "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(REPLY_KINDS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("445端口能用吗", "zh"),
        ("can I use port 445", "en"),
        ("aqz 80 不通", "zh"),  # Latin letters and Chinese: Chinese wins
        ("？？", None),  # full-width punctuation alone is not Chinese
        ("445", None),
        ('/choose_faq{"faq_id": "faq-1"}', None),  # a button payload has no language
        ("", None),
    ],
)
def test_one_language_detector(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


def test_reply_language_keeps_the_conversations_language_when_a_message_has_none() -> None:
    assert reply_language("445", "zh") == "zh"
    assert reply_language("445", None) == "en"
    assert reply_language("445", "fr") == "en"  # not a language the desk speaks
    assert reply_language("hello", "zh") == "en"


def test_every_kind_has_a_payload_and_an_outcome() -> None:
    assert set(PAYLOAD_OF) == set(REPLY_KINDS)
    assert set(outcomes.KIND_OUTCOMES) == set(REPLY_KINDS) - {"text"}
    assert set(outcomes.KIND_OUTCOMES.values()) <= set(outcomes.OUTCOMES)


def test_text_intents_the_recorder_reads_are_the_contracts() -> None:
    assert set(outcomes.TEXT_INTENT_OUTCOMES) <= set(typing.get_args(TextIntent))


def _kinds_written_in(folder: Path) -> set[str]:
    """Every ``kind="..."`` keyword, ``"kind": "..."`` literal and ``kind == "..."`` test in a folder's files."""
    kinds: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "kind":
                kinds.update(str(c.value) for c in node.comparators if isinstance(c, ast.Constant))
            if isinstance(node, ast.keyword) and node.arg == "kind" and isinstance(node.value, ast.Constant):
                kinds.add(str(node.value.value))
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "kind" and isinstance(value, ast.Constant):
                        kinds.add(str(value.value))
    return kinds


@pytest.mark.parametrize("folder", ["actions", "bot/guards", "bot/connectors"])
def test_the_rasa_side_writes_and_reads_only_contract_kinds(folder: str) -> None:
    assert _kinds_written_in(REPO / folder) <= set(REPLY_KINDS)


def _nullable(schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in schema.get("anyOf", []))


def _compare(kind: Any, schema_name: str, schemas: dict[str, Any], request: bool) -> list[str]:
    schema = schemas[schema_name]
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    hints = typing.get_type_hints(kind)
    keys = set(hints)
    problems = [f"{kind.__name__}.{k} is not a property of {schema_name}" for k in sorted(keys - set(properties))]
    if request:
        problems += [f"{schema_name} requires {k}, missing from {kind.__name__}" for k in sorted(required - keys)]
    else:
        always = keys & kind.__required_keys__
        problems += [f"{kind.__name__}.{k} may be absent from {schema_name}" for k in sorted(always - required)]
        for key in sorted(keys & set(properties)):
            if _nullable(properties[key]) and type(None) not in typing.get_args(hints[key]):
                problems.append(f"{schema_name}.{key} may be null; {kind.__name__}.{key} must allow None")
    return problems


def test_the_actions_view_of_the_api_matches_the_openapi_document() -> None:
    from api.main import create_app
    from helpdesk.settings import Settings

    schemas = create_app(Settings()).openapi()["components"]["schemas"]
    problems = [p for kind, name in SCHEMA_OF.items() for p in _compare(kind, name, schemas, kind in REQUESTS)]
    assert not problems, "\n".join(problems)
