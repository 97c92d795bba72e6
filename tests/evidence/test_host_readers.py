"""Recognising the host tools' output: every sample goes to its reader, embedded after a prompt too;
chat sentences and security-group pastes are not taken for host output."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import detect
from evidence.host_readers import HOST_READERS

DATA = Path(__file__).parent / "data"
HOST = DATA / "host"

EXPECTED = {
    "centos_L_n.txt": "iptables_list",
    "centos_L_nv.txt": "iptables_list",
    "doc_rancher_iptables_list.txt": "iptables_list",
    "doc_sky_joker_iptables_nLv.txt": "iptables_list",
    "exotic_L_nv.txt": "iptables_list",
    "exotic_S.txt": "iptables_rules",
    "exotic_nft.txt": "nft",
    "firewalld_block_sources.txt": "firewalld",
    "firewalld_drop.txt": "firewalld",
    "firewalld_public_modified.txt": "firewalld",
    "firewalld_public_pristine.txt": "firewalld",
    "ip6tables_L_nv.txt": "iptables_list",
    "ip6tables_save.txt": "iptables_save",
    "iptables_L.txt": "iptables_list",
    "iptables_L_n.txt": "iptables_list",
    "iptables_L_nv.txt": "iptables_list",
    "iptables_L_nv_lines.txt": "iptables_list",
    "iptables_S.txt": "iptables_rules",
    "iptables_legacy_L_nv.txt": "iptables_list",
    "iptables_nat_L_n.txt": "iptables_list",
    "iptables_save.txt": "iptables_save",
    "netstat_lntup.txt": "netstat",
    "nft_from_iptables.txt": "nft",
    "nft_native.txt": "nft",
    "ss_lntup.txt": "ss",
    "ss_tulpn.txt": "ss",
    "ufw_status.txt": "ufw",
    "ufw_status_inactive.txt": "ufw",
    "ufw_status_numbered.txt": "ufw",
    "ufw_status_verbose.txt": "ufw",
    "windows_netstat_an_localized.txt": "netstat_windows",
    "windows_netstat_ano.txt": "netstat_windows",
}


def test_every_sample_is_listed() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in HOST.glob("*.txt"))


@pytest.mark.parametrize(("name", "format"), sorted(EXPECTED.items()))
def test_each_sample_goes_to_its_reader(name: str, format: str) -> None:
    text = (HOST / name).read_text(encoding="utf-8")
    assert detect(text) == format
    # Pasted after a prompt line and a sentence, as users paste it.
    assert detect(f"it still times out, here:\n[root@VM-0-8-centos ~]# some-command\n{text}") == format


@pytest.mark.parametrize(
    "text",
    [
        "网站突然打不开了 安全组80也放了",
        "my iptables INPUT policy is DROP and I added -A INPUT for port 22, still refused",
        "Status of my server: active, but port 80 does not answer",
        "I ran iptables -F and ufw is inactive, what else?",
        "target: get ssh working. services: nginx, mysql",
        "Chain of events: first the security group, then the firewall",
        "table inet filter { I do not know what this means }",
    ],
)
def test_chat_sentences_are_not_host_output(text: str) -> None:
    assert not any(reader.looks_like(text) for reader in HOST_READERS)


@pytest.mark.parametrize("path", sorted(p for p in (DATA / "json").glob("*") if p.suffix in (".json", ".txt")))
def test_security_group_json_is_not_host_output(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not any(reader.looks_like(text) for reader in HOST_READERS)


@pytest.mark.parametrize("path", sorted((DATA / "console").glob("*.tsv")))
def test_console_tables_are_not_host_output(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not any(reader.looks_like(text) for reader in HOST_READERS)


def test_readers_are_listed_most_specific_first() -> None:
    formats = [reader.format for reader in HOST_READERS]
    # iptables-save also has `-A` lines, and nft output can hold `Chain`-like words: they come first.
    assert formats.index("iptables_save") < formats.index("iptables_rules")
    assert formats.index("nft") < formats.index("iptables_list")
