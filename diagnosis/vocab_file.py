"""One troubleshooting data file, read with checks that name the file and the item on failure.

Used by :mod:`diagnosis.vocab_loader`: every accessor either returns a well-typed value
or raises :class:`~diagnosis.errors.VocabularyError` saying where and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

import yaml

from diagnosis.errors import VocabularyError
from diagnosis.texts import FIELDS, Text, placeholders
from diagnosis.vocabulary import SourceRef
from knowledge.models import normalize_question

T = TypeVar("T")
# The C loader when PyYAML has it: the files are read once, at start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataFile:
    """One data file: its YAML, and checks that name the file and item on failure."""

    def __init__(self, directory: Path, name: str, faq: Mapping[str, str]) -> None:
        self.name = f"knowledge/data/troubleshooting/{name}"
        self.faq = faq
        path = directory / name
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
        except (OSError, yaml.YAMLError) as e:
            raise VocabularyError(self.name, "file", f"cannot read it ({e}); restore it from git") from e
        if not isinstance(data, dict):
            raise VocabularyError(self.name, "file", "must be a YAML mapping")
        self.data: dict[str, Any] = data

    def fail(self, where: str, problem: str) -> VocabularyError:
        return VocabularyError(self.name, where, problem)

    def get(self, mapping: object, key: str, where: str) -> Any:
        if not isinstance(mapping, dict) or key not in mapping:
            raise self.fail(where, f"missing '{key}'")
        return mapping[key]

    def items(self, key: str) -> list[dict[str, Any]]:
        value = self.get(self.data, key, key)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be a list of mappings")
        return cast(list[dict[str, Any]], value)

    def string(self, value: object, where: str, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(where, "must be a non-empty string")
        return value

    def strings(self, value: object, where: str, empty: bool = True) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(where, "must be a list of non-empty strings")
        if not empty and not value:
            raise self.fail(where, "must not be empty")
        return tuple(str(v) for v in value)

    def text(self, value: object, where: str, empty: bool = False) -> Text:
        if not isinstance(value, dict) or set(value) != {"zh", "en"}:
            raise self.fail(where, "must be {zh: ..., en: ...}")
        zh = self.string(value["zh"], f"{where}.zh", empty)
        en = self.string(value["en"], f"{where}.en", empty)
        for language, template in (("zh", zh), ("en", en)):
            self.template(template, f"{where}.{language}")
        return Text(zh, en)

    def template(self, template: str, where: str) -> None:
        try:
            names = placeholders(template)
        except ValueError as e:
            raise self.fail(where, f"not a valid template ({e}); write literal braces as {{{{ }}}}") from e
        unknown = names - FIELDS
        if unknown:
            raise self.fail(where, f"unknown placeholder(s) {sorted(unknown)}; use only {sorted(FIELDS)}")

    def sources(self, item: Mapping[str, Any], where: str) -> tuple[SourceRef, ...]:
        raw = self.get(item, "sources", where)
        if not isinstance(raw, list) or not raw:
            raise self.fail(f"{where}.sources", "name at least one source: {faq: <question>} or {url: <address>}")
        return tuple(self.source(s, f"{where}.sources[{i}]") for i, s in enumerate(raw))

    def source(self, raw: object, where: str) -> SourceRef:
        if isinstance(raw, dict) and set(raw) == {"faq"}:
            question = self.string(raw["faq"], where)
            return SourceRef("faq", question, self.faq_id(question, where))
        if isinstance(raw, dict) and set(raw) == {"url"}:
            url = self.string(raw["url"], where)
            if not url.startswith("https://"):
                raise self.fail(where, f"{url!r} is not an https:// address")
            return SourceRef("url", url)
        raise self.fail(where, "a source is {faq: <question as in the FAQ>} or {url: <https address>}")

    def faq_id(self, question: str, where: str) -> str:
        found = self.faq.get(normalize_question(question))
        if found is None:
            raise self.fail(where, f"no FAQ entry has the question {question!r}; copy it exactly from the FAQ")
        return found

    def choice(self, value: object, allowed: tuple[T, ...], where: str) -> T:
        for candidate in allowed:
            if value == candidate:
                return candidate
        raise self.fail(where, f"must be one of {list(allowed)}, got {value!r}")

    def ids(self, items: list[dict[str, Any]], key: str) -> list[str]:
        found = [self.string(self.get(item, "id", f"{key}[{i}]"), f"{key}[{i}].id") for i, item in enumerate(items)]
        duplicates = sorted({i for i in found if found.count(i) > 1})
        if duplicates:
            raise self.fail(key, f"duplicate ids {duplicates}")
        return found
