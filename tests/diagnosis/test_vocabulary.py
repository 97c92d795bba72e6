"""The troubleshooting data: everything loads with a source, and bad data is refused by name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from diagnosis import CAUSE_IDS, Diagnoser, VocabularyError
from diagnosis.vocab_loader import DEFAULT_DIR, load_vocabulary


def test_every_cause_check_and_service_has_a_source(diagnoser: Diagnoser) -> None:
    vocab = diagnoser.vocab
    assert set(vocab.causes) == set(CAUSE_IDS)
    items = [*vocab.causes.values(), *vocab.checks.values(), *vocab.services.values(), *vocab.symptoms.values()]
    items += [*vocab.claims.values(), *vocab.directions, *vocab.sources, *vocab.commands.values()]
    for item in items:
        assert item.sources, item
        for source in item.sources:
            assert source.faq_id or source.ref.startswith("https://"), source


def test_faq_sources_resolve_to_entries(diagnoser: Diagnoser, kb: Any) -> None:
    ids = {e.id for e in kb.entries}
    for cause in diagnoser.vocab.causes.values():
        assert set(cause.faq_ids) <= ids
    assert diagnoser.vocab.causes["carrier_blocked"].faq_ids[0] == next(
        e.id for e in kb.entries if e.question == "腾讯云不支持哪些端口？"
    )


def test_a_named_service_fixes_the_protocol(diagnoser: Diagnoser) -> None:
    services = diagnoser.vocab.services
    assert [(p.protocol, p.port) for p in services["ssh"].ports] == [("tcp", 22)]
    assert [(p.protocol, p.port) for p in services["dns"].ports] == [("udp", 53), ("tcp", 53)]
    assert services["remote_login"].alternatives


BROKEN = [
    # (file, text to replace, replacement, where the error points, what it says)
    (
        "checks.yaml",
        'title: {zh: "运营商是否拦截 {target}"',
        'title: {zh: "运营商是否拦截 {targte}"',
        "checks[0].title.zh",
        "unknown placeholder",
    ),
    (
        "causes.yaml",
        "faq: [腾讯云不支持哪些端口？, 为什么修改端口后服务无法使用？]",
        "faq: [腾讯云到底支持哪些端口？]",
        "causes[0].faq[0]",
        "no FAQ entry",
    ),
    (
        "ranking.yaml",
        "timeout: [sg_inbound, host_firewall, listener]",
        "timeout: [sg_inbound, firewal]",
        "symptoms.timeout",
        "unknown check",
    ),
    ("services.yaml", "ports: [tcp/22]", "ports: [tcp/70000]", "services[0].ports[0]", "not <tcp|udp>"),
    (
        "phrases.yaml",
        "    demote: [host_firewall, host_firewall_out]",
        "    demote: [hostfirewall]",
        "claims[3].demote",
        "unknown check",
    ),
    ("causes.yaml", "  - id: unknown\n", "  - id: unknown_cause\n", "causes[13].id", "must be one of"),
]


@pytest.mark.parametrize(("file", "old", "new", "where", "says"), BROKEN)
def test_bad_data_is_refused_naming_the_item(
    kb: Any, tmp_path: Path, file: str, old: str, new: str, where: str, says: str
) -> None:
    directory = tmp_path / "troubleshooting"
    shutil.copytree(DEFAULT_DIR, directory)
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(VocabularyError) as caught:
        load_vocabulary(kb, directory)
    assert caught.value.file.endswith(file) and caught.value.where == where and says in caught.value.problem


def test_an_item_without_a_source_is_refused(kb: Any, tmp_path: Path) -> None:
    directory = tmp_path / "troubleshooting"
    shutil.copytree(DEFAULT_DIR, directory)
    path = directory / "services.yaml"
    text = path.read_text(encoding="utf-8")
    ssh_source = '    sources: [{url: "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xhtml?search=ssh"}]\n'
    path.write_text(text.replace(ssh_source, "    sources: []\n", 1), encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"services\[0\]\.sources: name at least one source"):
        load_vocabulary(kb, directory)


def test_what_decided_stands_as_a_clause_of_its_own(diagnoser: Diagnoser) -> None:
    """``{decided}`` is a whole clause ("sg-1's rule PolicyIndex 3 (...) drops it") or a noun
    phrase ("the default deny at the end of sg-1"), so a summary introduces it after a colon;
    "dropped by {decided}" read "dropped by sg-1's rule ... drops it"."""
    for cause in diagnoser.vocab.causes.values():
        for text in (cause.summary, cause.summary_statement):
            for template in (text.zh, text.en) if text is not None else ():
                for at in [i for i in range(len(template)) if template.startswith("{decided}", i)]:
                    assert template[:at].endswith(("：", ": ")), (cause.id, template)
