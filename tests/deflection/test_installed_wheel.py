"""An installed wheel (not the checkout) carries its migrations and migrates an empty database."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

CHECK = """
import sqlite3, sys
import deflection
from deflection import DeflectionStore
assert deflection.__file__.startswith(sys.argv[1]), deflection.__file__  # the installed copy, not the checkout
DeflectionStore("sqlite:///" + sys.argv[2]).close()
tables = {r[0] for r in sqlite3.connect(sys.argv[2]).execute("select name from sqlite_master where type='table'")}
print(sorted(tables))
"""


def _source_copy(target: Path) -> str:
    """What the wheel is built from (the build writes into its source folder: not the checkout)."""
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]]
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in packages:
        shutil.copytree(REPO / name, target / name, ignore=skip)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, target / name)
    return str(target)


def test_an_installed_wheel_migrates_an_empty_database(tmp_path: Path) -> None:
    wheels, site, db = tmp_path / "wheels", tmp_path / "site", tmp_path / "helpdesk.db"
    source = _source_copy(tmp_path / "source")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("cvm_helpdesk-*.whl")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    # Run away from the checkout, with the installed package first on the path.
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(site), str(db)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert {"alembic_version", "conversations", "turns", "tickets"} <= set(eval(done.stdout))
