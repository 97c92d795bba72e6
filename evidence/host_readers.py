"""The readers of the instance's own tools (firewalls, listening sockets), most specific first.

Each ``looks_like`` is a cheap test of shape (a header, a block opener), searched on
every line so that output pasted after a prompt line (``[root@vm ~]# iptables -L -n``)
or a sentence is still recognised; the readers list such lines as skipped.
"""

from __future__ import annotations

from evidence.firewalld import looks_like_firewalld, read_firewalld
from evidence.iptables_text import (
    looks_like_list,
    looks_like_rules,
    looks_like_save,
    read_list,
    read_rules,
    read_save,
)
from evidence.netsh import looks_like_netsh, read_netsh
from evidence.nft import looks_like_nft, read_nft
from evidence.registry import Reader
from evidence.sockets import (
    looks_like_netstat,
    looks_like_ss,
    looks_like_windows_netstat,
    read_netstat,
    read_ss,
    read_windows_netstat,
)
from evidence.ufw import looks_like_ufw, read_ufw

HOST_READERS: tuple[Reader, ...] = (
    Reader("iptables_save", looks_like_save, read_save),
    Reader("nft", looks_like_nft, read_nft),
    Reader("iptables_list", looks_like_list, read_list),
    Reader("iptables_rules", looks_like_rules, read_rules),
    Reader("firewalld", looks_like_firewalld, read_firewalld),
    Reader("ufw", looks_like_ufw, read_ufw),
    Reader("netsh", looks_like_netsh, read_netsh),
    Reader("ss", looks_like_ss, read_ss),
    Reader("netstat", looks_like_netstat, read_netstat),
    Reader("netstat_windows", looks_like_windows_netstat, read_windows_netstat),
)
