"""Real host-tool output, produced in a private network namespace that is always removed.

``Namespace`` runs iptables, ip6tables, nft, ss and netstat inside ``ip netns`` (root
only), so nothing touches the machine's own firewall. ufw and firewalld also write
configuration files: ``isolated`` runs a script inside the namespace *and* a private
mount namespace in which copies of their folders are bound over ``/etc/ufw`` and
``/etc/firewalld``.

``capture_all`` produces every sample the host readers are tested on; run as a script it
rewrites ``tests/evidence/data/host/`` (``python -m tests.evidence.netns``), and
``tests/evidence/test_host_live.py`` calls it to check the readers on fresh output.
Traffic never leaves the namespace: listeners bind inside it and nothing connects.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "host"
TOOLS = ("ip", "iptables", "ip6tables", "iptables-restore", "ip6tables-restore", "nft", "ss", "netstat", "unshare")
# Debian packages that provide them (CI installs these): iptables, nftables, iproute2, net-tools,
# util-linux (unshare); ufw and firewalld for their own samples.
PACKAGES = ("iptables", "nftables", "iproute2", "net-tools", "ufw", "firewalld")

BASIC_RULES = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:MYCHAIN - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -m conntrack --ctstate INVALID -j DROP
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m multiport --dports 80,443 -m comment --comment "web servers" -j ACCEPT
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 8000:8010 -j ACCEPT
-A INPUT -p udp -m udp --sport 53 -j ACCEPT
-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT
-A INPUT -j MYCHAIN
-A INPUT -p tcp -j REJECT --reject-with tcp-reset
-A MYCHAIN -p tcp -m tcp --dport 3306 -j DROP
-A MYCHAIN -j RETURN
COMMIT
"""
# The rules RHEL/CentOS 7's iptables-services package ships (/etc/sysconfig/iptables).
CENTOS_RULES = """\
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
"""
IPV6_RULES = """\
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -s 2001:db8::/32 -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT
COMMIT
"""
EXOTIC_COMMANDS = (
    "-N X",
    "-A INPUT -p tcp --syn -m limit --limit 3/min -j LOG --log-prefix IN:",
    "-A INPUT -p tcp ! --dport 22 -m recent --name ssh --set",
    "-A INPUT -m state ! --state NEW -j X",
    "-A INPUT -p tcp -m multiport ! --dports 80,443 -j DROP",
    "-A INPUT ! -s 10.0.0.0/8 ! -i eth0 -p udp --dport 53 -j REJECT",
    "-A INPUT -f -j DROP",
    "-A INPUT -m addrtype --dst-type LOCAL -j X",
    "-A INPUT -s 1.2.3.4,5.6.7.0/24 -j ACCEPT",
    "-A INPUT -m multiport -p tcp --ports 25 -j DROP",
    "-A INPUT -p tcp --dport 8080 -j ACCEPT",
)
NFT_RULES = """\
flush ruleset
table inet filter {
	set admins {
		type ipv4_addr
		flags interval
		elements = { 203.0.113.0/24, 198.51.100.7 }
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state invalid drop comment "drop invalid"
		ct state { established, related } accept
		iif "lo" accept
		meta l4proto { icmp, ipv6-icmp } accept
		tcp dport 22 accept
		tcp dport { 80, 443 } accept
		tcp dport 8000-8010 ip saddr 10.0.0.0/8 accept
		ip saddr @admins tcp dport 3306 accept
		ip6 saddr 2001:db8::/32 tcp dport 5432 accept
		udp dport 53 accept
		tcp dport 25 log prefix "smtp: " drop
		tcp dport 23 reject with tcp reset
		ct state vmap { established : accept, related : accept, invalid : drop }
		tcp dport vmap { 8080 : accept, 8081 : drop }
		tcp dport 9000 counter jump extra
		tcp dport 9100 limit rate 10/second accept
		log prefix "input drop: " counter
		reject with icmpx type admin-prohibited
	}
	chain extra {
		ip saddr 192.0.2.1 return
		accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
	chain output {
		type filter hook output priority filter; policy accept;
	}
}
table ip raw {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		tcp dport 4444 drop
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8888 dnat to 10.0.0.2:80
	}
}
"""
# Listeners: (family, type, address, port); 10.200.0.1 is added to the namespace's own lo.
LISTENERS = (
    ("inet", "tcp", "0.0.0.0", 8000),
    ("inet", "tcp", "127.0.0.1", 6379),
    ("inet6", "tcp", "::1", 5432),
    ("inet6", "tcp", "::", 8443),
    ("inet", "tcp", "10.200.0.1", 9000),
    ("inet", "udp", "0.0.0.0", 5353),
    ("inet", "udp", "127.0.0.1", 5300),
    ("inet", "udp", "127.0.0.53", 5355, "lo"),  # bound to the lo device, as systemd-resolved binds: ss shows %lo
)
LISTENER_SCRIPT = """\
import socket, sys, time
socks = []
for spec in sys.argv[1:]:
    family, kind, address, port, *device = spec.split(",")
    fam = socket.AF_INET6 if family == "inet6" else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if device:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device[0].encode())
    s.bind((address, int(port)))
    if kind == "tcp":
        s.listen()
    socks.append(s)
print("ready", flush=True)
time.sleep(60)
"""


def missing_tools() -> list[str]:
    """The tools (and root) a live capture needs that this machine lacks."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.insert(0, "root")
    return missing


class Namespace:
    """A network namespace of its own; ``close`` (or the context manager) deletes it."""

    def __init__(self) -> None:
        self.name = f"helpdesk-evidence-{uuid.uuid4().hex[:8]}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.children: list[subprocess.Popen[str]] = []

    def run(self, *command: str, stdin: str | None = None, check: bool = True) -> str:
        """``command`` inside the namespace; its standard output."""
        result = subprocess.run(
            ["ip", "netns", "exec", self.name, *command],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout

    def isolated(self, script: str, binds: dict[str, str]) -> str:
        """``script`` (sh) inside the namespace and a private mount namespace with ``binds`` (copy -> target)."""
        mounts = "".join(f"mount --bind {src} {dst}\n" for src, dst in binds.items())
        full = f"set -e\nmount --make-rprivate /\n{mounts}{script}"
        return self.run("unshare", "-m", "--propagation", "private", "sh", "-c", full)

    def spawn(self, *command: str) -> subprocess.Popen[str]:
        """A long-running process inside the namespace, ended by ``close``."""
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.name, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.children.append(process)
        return process

    def close(self) -> None:
        """End the processes started here (by their id) and delete the namespace."""
        for process in self.children:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        subprocess.run(["ip", "netns", "delete", self.name], check=False)


@contextmanager
def namespace() -> Iterator[Namespace]:
    """A fresh namespace, deleted on exit (also on failure)."""
    ns = Namespace()
    try:
        yield ns
    finally:
        ns.close()


def _versions() -> dict[str, str]:
    def first_line(*command: str) -> str:
        try:
            result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
        except FileNotFoundError:
            return "not installed"
        return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else ""

    return {
        "iptables": first_line("iptables", "--version"),
        "iptables-legacy": first_line("iptables-legacy", "--version"),
        "nft": first_line("nft", "--version"),
        "ss": first_line("ss", "--version"),
        "netstat": first_line("netstat", "--version"),
        "ufw": first_line("ufw", "--version"),
        "firewalld": first_line("firewall-offline-cmd", "--version"),
    }


def capture_iptables() -> dict[str, str]:
    """iptables, ip6tables and nft output for the rule sets above, each in a fresh namespace."""
    out: dict[str, str] = {}
    with namespace() as ns:
        ns.run("iptables-restore", stdin=BASIC_RULES)
        out["iptables_save.txt"] = ns.run("iptables-save")
        out["iptables_S.txt"] = ns.run("iptables", "-S")
        out["iptables_L.txt"] = ns.run("iptables", "-L")
        out["iptables_L_n.txt"] = ns.run("iptables", "-L", "-n")
        out["iptables_L_nv.txt"] = ns.run("iptables", "-L", "-n", "-v")
        out["iptables_L_nv_lines.txt"] = ns.run("iptables", "-L", "-n", "-v", "--line-numbers")
        out["nft_from_iptables.txt"] = ns.run("nft", "list", "ruleset")
        ns.run(
            "iptables",
            "-t",
            "nat",
            "-A",
            "PREROUTING",
            "-p",
            "tcp",
            "--dport",
            "8080",
            "-j",
            "REDIRECT",
            "--to-ports",
            "80",
        )
        out["iptables_nat_L_n.txt"] = ns.run("iptables", "-t", "nat", "-L", "-n")
        ns.run("ip6tables-restore", stdin=IPV6_RULES)
        out["ip6tables_save.txt"] = ns.run("ip6tables-save")
        out["ip6tables_L_nv.txt"] = ns.run("ip6tables", "-L", "-n", "-v")
    with namespace() as ns:
        ns.run("iptables-restore", stdin=CENTOS_RULES)
        out["centos_L_n.txt"] = ns.run("iptables", "-L", "-n")
        out["centos_L_nv.txt"] = ns.run("iptables", "-L", "-n", "-v")
    with namespace() as ns:
        for command in EXOTIC_COMMANDS:
            ns.run("iptables", *command.split())
        out["exotic_L_nv.txt"] = ns.run("iptables", "-L", "-n", "-v")
        out["exotic_S.txt"] = ns.run("iptables", "-S")
        out["exotic_nft.txt"] = ns.run("nft", "list", "ruleset")
    if shutil.which("iptables-legacy-restore"):
        with namespace() as ns:
            ns.run("iptables-legacy-restore", stdin=BASIC_RULES)
            out["iptables_legacy_L_nv.txt"] = ns.run("iptables-legacy", "-L", "-n", "-v")
    with namespace() as ns:
        ns.run("nft", "-f", "-", stdin=NFT_RULES)
        out["nft_native.txt"] = ns.run("nft", "list", "ruleset")
    return out


def capture_sockets() -> dict[str, str]:
    """ss and netstat output with real listeners inside a fresh namespace."""
    out: dict[str, str] = {}
    with namespace() as ns:
        ns.run("ip", "link", "set", "lo", "up")
        # One more address for a listener bound to a specific address (no dummy device in containers).
        ns.run("ip", "addr", "add", "10.200.0.1/32", "dev", "lo")
        specs = [",".join(str(part) for part in spec) for spec in LISTENERS]
        listener = ns.spawn(sys.executable, "-c", LISTENER_SCRIPT, *specs)
        assert listener.stdout is not None
        if listener.stdout.readline().strip() != "ready":
            raise RuntimeError(f"listeners did not start: {listener.stderr.read() if listener.stderr else ''}")
        out["ss_lntup.txt"] = ns.run("ss", "-lntup")
        out["ss_tulpn.txt"] = ns.run("ss", "-tulpn")
        out["netstat_lntup.txt"] = ns.run("netstat", "-lntup")
    return out


UFW_SCRIPT = """\
ufw --force enable >/dev/null
ufw allow 22/tcp >/dev/null
ufw allow 80,443/tcp >/dev/null
ufw allow from 10.0.0.0/8 to any port 3306 proto tcp >/dev/null
ufw deny 23 >/dev/null
ufw reject 25/tcp >/dev/null
ufw limit 2222/tcp >/dev/null
ufw allow out 53/udp >/dev/null
ufw allow WebApp >/dev/null
ufw allow in on eth0 to any port 8080 proto tcp >/dev/null
ufw allow proto udp from 203.0.113.7 port 53 to any port 5353 >/dev/null
ufw allow 6000:6007/tcp comment 'X11 range' >/dev/null
echo '=== status'; ufw status
echo '=== verbose'; ufw status verbose
echo '=== numbered'; ufw status numbered
ufw --force disable >/dev/null
echo '=== inactive'; ufw status verbose
"""
# A profile of our own, so that `ufw status` shows an application row (the real tool prints it).
UFW_APP = "[WebApp]\ntitle=Web application\ndescription=A profile for the evidence reader's samples\nports=80,443/tcp\n"
RICH_3306 = 'rule family="ipv4" source address="203.0.113.7" port port="3306" protocol="tcp" accept'
RICH_25 = 'rule priority="-10" family="ipv4" port port="25" protocol="tcp" reject type="tcp-reset"'
FIREWALLD_SCRIPT = f"""\
echo '=== pristine'; firewall-offline-cmd --list-all
firewall-offline-cmd --add-service=http >/dev/null
firewall-offline-cmd --add-port=8080/tcp >/dev/null
firewall-offline-cmd --add-port=6000-6010/udp >/dev/null
firewall-offline-cmd --add-rich-rule='{RICH_3306}' >/dev/null
firewall-offline-cmd --add-rich-rule='rule family="ipv4" source address="198.51.100.0/24" reject' >/dev/null
firewall-offline-cmd --add-rich-rule='rule family="ipv4" source address="192.0.2.1" service name="ssh" drop' >/dev/null
firewall-offline-cmd --add-rich-rule='rule service name="ftp" log limit value="1/m" audit accept' >/dev/null
firewall-offline-cmd --add-rich-rule='{RICH_25}' >/dev/null
firewall-offline-cmd --add-icmp-block=echo-request >/dev/null
firewall-offline-cmd --add-source-port=5000/udp >/dev/null
firewall-offline-cmd --add-protocol=gre >/dev/null
firewall-offline-cmd --add-masquerade >/dev/null
firewall-offline-cmd --add-forward-port=port=2222:proto=tcp:toport=22 >/dev/null
echo '=== modified'; firewall-offline-cmd --list-all
firewall-offline-cmd --zone=block --add-source=10.9.0.0/16 >/dev/null
echo '=== block'; firewall-offline-cmd --zone=block --list-all
echo '=== drop'; firewall-offline-cmd --zone=drop --list-all
"""


def _sections(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    name = None
    for line in text.splitlines(keepends=True):
        if line.startswith("=== "):
            name = line[4:].strip()
            parts[name] = ""
        elif name is not None:
            parts[name] += line
    return parts


def capture_ufw() -> dict[str, str]:
    """``ufw status`` (plain, verbose, numbered, inactive) from the real ufw, on copies of its files."""
    with tempfile.TemporaryDirectory() as tmp, namespace() as ns:
        etc, default = Path(tmp, "etc-ufw"), Path(tmp, "default-ufw")
        shutil.copytree("/etc/ufw", etc)
        (etc / "applications.d" / "webapp").write_text(UFW_APP)
        text = Path("/etc/default/ufw").read_text()
        # ufw-init applies IPT_SYSCTL; an empty one keeps it from touching any setting.
        default.write_text(
            "\n".join("IPT_SYSCTL=/dev/null" if line.startswith("IPT_SYSCTL=") else line for line in text.splitlines())
            + "\n"
        )
        output = ns.isolated(UFW_SCRIPT, {str(etc): "/etc/ufw", str(default): "/etc/default/ufw"})
    parts = _sections(output)
    return {
        "ufw_status.txt": parts["status"],
        "ufw_status_verbose.txt": parts["verbose"],
        "ufw_status_numbered.txt": parts["numbered"],
        "ufw_status_inactive.txt": parts["inactive"],
    }


def capture_firewalld() -> dict[str, str]:
    """``--list-all`` from firewalld's own code (firewall-offline-cmd) on a copy of /etc/firewalld."""
    with tempfile.TemporaryDirectory() as tmp, namespace() as ns:
        etc = Path(tmp, "etc-firewalld")
        shutil.copytree("/etc/firewalld", etc)
        output = ns.isolated(FIREWALLD_SCRIPT, {str(etc): "/etc/firewalld"})
    parts = _sections(output)
    return {
        "firewalld_public_pristine.txt": parts["pristine"],
        "firewalld_public_modified.txt": parts["modified"],
        "firewalld_block_sources.txt": parts["block"],
        "firewalld_drop.txt": parts["drop"],
    }


def capture_all() -> dict[str, str]:
    """Every live sample, by file name (ufw and firewalld only where installed)."""
    out = {**capture_iptables(), **capture_sockets()}
    if shutil.which("ufw"):
        out.update(capture_ufw())
    if shutil.which("firewall-offline-cmd"):
        out.update(capture_firewalld())
    return out


def main() -> None:
    """Rewrite the live samples in tests/evidence/data/host/ and print the tool versions."""
    missing = missing_tools()
    if missing:
        raise SystemExit(f"cannot capture: missing {', '.join(missing)}")
    for name, text in capture_all().items():
        (DATA / name).write_text(text)
        print(f"wrote {name}")
    for tool, version in _versions().items():
        print(f"{tool}: {version}")


if __name__ == "__main__":
    main()
