"""Other cloud providers and their product names, kept in ``other_clouds.yaml``.

The FAQ covers Tencent Cloud only; retrieval declines a question that names another
provider (``index/scope.py``). The names are data, checked at load: each provider and
product cites a page of its own documentation, and no name belongs to two providers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.errors import FaqFormatError
from knowledge.models import normalize_question
from knowledge.yaml_data import line_of, load_yaml_mapping

OTHER_CLOUDS_FILE = "other_clouds.yaml"
NAME_LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class CloudProduct:
    """A product of another provider, by the names users call it."""

    product: str
    source: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class CloudProvider:
    """Another cloud provider: its names, where they come from, and its products."""

    provider: str
    source: str
    names: tuple[str, ...]
    products: tuple[CloudProduct, ...] = ()


@dataclass(frozen=True)
class OtherClouds:
    """Every other provider, and what shows a question is (also) about Tencent Cloud.

    ``tencent_names`` are Tencent Cloud's own names; ``moving_words`` are the words of a
    user moving to it. A question with either is about Tencent Cloud, whatever else it names.
    """

    providers: tuple[CloudProvider, ...] = ()
    tencent_names: tuple[str, ...] = ()
    moving_words: tuple[str, ...] = ()


def load_other_clouds(path: Path, display: str) -> OtherClouds:
    """Providers from ``other_clouds.yaml`` (none when the file is absent).

    Raises:
        FaqFormatError: a field is missing or malformed, a source is not an http(s) URL,
            or a name is listed twice (within or across providers).
    """
    data = load_yaml_mapping(path, display)
    raw_providers = data.get("providers", [])
    if not isinstance(raw_providers, list):
        raise FaqFormatError(
            display,
            line_of(path, "providers:"),
            "'providers' must be a list",
            "write '- provider: ...' blocks under it",
        )
    seen: dict[str, str] = {}
    providers = tuple(_provider(block, path, display, seen) for block in raw_providers)
    tencent = _names(data.get("tencent_cloud", {}), path, display, "tencent_cloud names", "tencent_cloud:")
    _claim(tencent, "Tencent Cloud", path, display, seen)
    moving = _names(data.get("moving_words", {}), path, display, "moving_words", "moving_words:")
    _claim(moving, "the moving words", path, display, seen)
    return OtherClouds(providers, tencent, moving)


def _provider(block: Any, path: Path, display: str, seen: dict[str, str]) -> CloudProvider:
    if not isinstance(block, dict) or not isinstance(block.get("provider"), str) or not block["provider"].strip():
        raise FaqFormatError(display, None, "a provider block has no 'provider' name", "give each block 'provider:'")
    name = block["provider"].strip()
    source = _source(block, path, display, name)
    names = _names(block.get("names", {}), path, display, f"names of {name!r}", name)
    raw_products = block.get("products", [])
    if not isinstance(raw_products, list):
        raise FaqFormatError(
            display, line_of(path, name), f"'products' of {name!r} must be a list", "write '- product: ...' blocks"
        )
    products = []
    for item in raw_products:
        if not isinstance(item, dict) or not isinstance(item.get("product"), str) or not item["product"].strip():
            raise FaqFormatError(
                display, line_of(path, name), f"a product of {name!r} has no 'product' name", "give it 'product:'"
            )
        product = item["product"].strip()
        product_names = _names(item.get("names", {}), path, display, f"names of {product!r}", product)
        if not product_names:
            raise FaqFormatError(
                display, line_of(path, product), f"{product!r} has no names", "list at least one name under 'names:'"
            )
        products.append(CloudProduct(product, _source(item, path, display, product), product_names))
    if not names and not products:
        raise FaqFormatError(display, line_of(path, name), f"{name!r} has no names", "list its names under 'names:'")
    _claim(names + tuple(n for p in products for n in p.names), name, path, display, seen)
    return CloudProvider(name, source, names, tuple(products))


def _source(block: dict[str, Any], path: Path, display: str, what: str) -> str:
    source = block.get("source")
    if not isinstance(source, str) or not source.startswith(("https://", "http://")):
        raise FaqFormatError(
            display,
            line_of(path, what),
            f"{what!r} has no 'source' URL",
            "give the page of its own documentation that uses the name",
        )
    return source


def _names(value: Any, path: Path, display: str, what: str, needle: str) -> tuple[str, ...]:
    """Names by language (``en``, ``zh``), flattened in file order; ``needle`` finds the line for messages."""
    if value in (None, {}):
        return ()
    if not isinstance(value, dict) or set(value) - set(NAME_LANGUAGES):
        raise FaqFormatError(
            display, line_of(path, needle), f"the {what} must map en/zh to lists", "write 'en: [...]' and 'zh: [...]'"
        )
    names: list[str] = []
    for language in NAME_LANGUAGES:
        items = value.get(language) or []
        if not isinstance(items, list) or not all(isinstance(n, str) and n.strip() for n in items):
            raise FaqFormatError(
                display,
                line_of(path, needle),
                f"the {what} ({language}) must be a list of non-empty strings",
                "write them as [name, name]",
            )
        names += [n.strip() for n in items]
    return tuple(names)


def _claim(names: tuple[str, ...], owner: str, path: Path, display: str, seen: dict[str, str]) -> None:
    """Record that ``names`` belong to ``owner``; a name already claimed is refused."""
    for name in names:
        key = normalize_question(name)
        if key in seen:
            raise FaqFormatError(
                display,
                line_of(path, name),
                f"{name!r} is listed for {owner} and for {seen[key]}",
                "keep a name under one provider only",
            )
        seen[key] = owner
