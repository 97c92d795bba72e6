#!/usr/bin/env python3
"""pip-audit of both environments; fails only on findings not explained in .pip-audit-ignore.

    .venv/bin/python scripts/audit_deps.py            # audit .venv and .venv-rasa
    .venv/bin/python scripts/audit_deps.py --json-dir var/audit   # also keep pip-audit's JSON

Each line of ``.pip-audit-ignore`` is ``<vulnerability id> <package> <reason>``; the id may
be any of the advisory's aliases (PYSEC-, GHSA-, CVE-). An entry without a reason is an
error: every accepted finding says why (docs/pip-audit.md has the long form).

pip-audit needs a vulnerability database from the network (``-s pypi``: PyPI's JSON API;
``-s osv``: osv.dev). When it cannot look packages up, it skips them: this script counts
the skipped ones and says so loudly. With ``PIP_AUDIT_REQUIRE_COMPLETE=1`` an incomplete
audit fails too (set it where the database is reachable, so a silent outage cannot pass).

Exit: 0 clean (or incomplete without the variable), 1 unexplained findings or a bad ignore
file, 2 incomplete audit with PIP_AUDIT_REQUIRE_COMPLETE=1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IGNORE_FILE = REPO / ".pip-audit-ignore"
ENVIRONMENTS = {"app (.venv)": REPO / ".venv", "rasa (.venv-rasa)": REPO / ".venv-rasa"}


@dataclass(frozen=True)
class Finding:
    env: str
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]


def read_ignores(path: Path) -> dict[str, tuple[str, str]]:
    """``{id: (package, reason)}``; raises ``ValueError`` naming the line for an entry without a reason."""
    ignores: dict[str, tuple[str, str]] = {}
    if not path.exists():
        return ignores
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or len(parts[2].strip()) < 10:
            raise ValueError(
                f"{path.name}:{number}: write '<vulnerability id> <package> <reason>' (the reason says why "
                f"the finding is accepted), got {line!r}"
            )
        ignores[parts[0].upper()] = (parts[1].lower(), parts[2].strip())
    return ignores


def audit(env_name: str, venv: Path, service: str, json_dir: Path | None) -> tuple[list[Finding], int, int, str]:
    """Run pip-audit on one environment: (findings, dependencies, skipped, error text)."""
    python = venv / "bin" / "python"
    if not python.exists():
        return [], 0, 0, f"no environment at {venv}"
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "-s",
        service,
        "--format",
        "json",
        "--aliases",
        "on",
        "--progress-spinner",
        "off",
        "--skip-editable",
        "--timeout",
        "30",
    ]
    env = {**os.environ, "PIPAPI_PYTHON_LOCATION": str(python)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [], 0, 0, (done.stderr or done.stdout)[-2000:]
    if json_dir is not None:
        json_dir.mkdir(parents=True, exist_ok=True)
        (json_dir / f"{venv.name.lstrip('.')}.json").write_text(json.dumps(report, indent=1))
    dependencies = report.get("dependencies", [])
    findings = [
        Finding(
            env_name,
            dep["name"].lower(),
            dep.get("version", "?"),
            vuln["id"].upper(),
            tuple(a.upper() for a in vuln.get("aliases", [])),
            tuple(vuln.get("fix_versions", [])),
        )
        for dep in dependencies
        for vuln in dep.get("vulns", [])
    ]
    skipped = sum(1 for dep in dependencies if "skip_reason" in dep)
    return findings, len(dependencies), skipped, ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default=os.environ.get("PIP_AUDIT_SERVICE", "pypi"), choices=["pypi", "osv"])
    parser.add_argument("--json-dir", type=Path, help="keep pip-audit's JSON report of each environment here")
    args = parser.parse_args()
    try:
        ignores = read_ignores(IGNORE_FILE)
    except ValueError as e:
        print(f"audit_deps: {e}", file=sys.stderr)
        return 1

    unexplained: list[Finding] = []
    used: set[str] = set()
    incomplete: list[str] = []
    for env_name, venv in ENVIRONMENTS.items():
        findings, total, skipped, error = audit(env_name, venv, args.service, args.json_dir)
        if error:
            incomplete.append(f"{env_name}: pip-audit failed: {error.strip()}")
            continue
        accepted = 0
        for finding in findings:
            ids = {finding.id, *finding.aliases}
            match = next((i for i in ids if i in ignores and ignores[i][0] == finding.package), None)
            if match is None:
                unexplained.append(finding)
            else:
                used.add(match)
                accepted += 1
        print(
            f"audit_deps: {env_name}: {total} packages, {total - skipped} audited, {len(findings)} findings "
            f"({accepted} accepted in {IGNORE_FILE.name}, {len(findings) - accepted} unexplained)"
        )
        if total and skipped > 0:
            incomplete.append(
                f"{env_name}: {skipped} of {total} packages could not be looked up in the '{args.service}' "
                "vulnerability database (unreachable, or a mirror without vulnerability data)"
            )

    for finding in unexplained:
        fix = f"fixed in {', '.join(finding.fix_versions)}" if finding.fix_versions else "no fix released"
        aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
        print(
            f"UNEXPLAINED {finding.env}: {finding.package} {finding.version}: {finding.id}{aliases}, {fix}; "
            f"upgrade it, or add it to {IGNORE_FILE.name} and docs/pip-audit.md with the reason",
            file=sys.stderr,
        )
    for stale in sorted(set(ignores) - used):
        print(f"audit_deps: note: {IGNORE_FILE.name} entry {stale} ({ignores[stale][0]}) matched nothing this run")
    for line in incomplete:
        print(f"AUDIT INCOMPLETE {line}", file=sys.stderr)

    if unexplained:
        return 1
    if incomplete and os.environ.get("PIP_AUDIT_REQUIRE_COMPLETE") == "1":
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
