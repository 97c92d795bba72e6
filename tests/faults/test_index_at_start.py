"""A corrupt or stale index at process start: refused with a clear message, or rebuilt; never served.

tests/index/test_store.py covers the library; this runs the real ``helpdesk serve``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.stack import REPO, free_port

pytestmark = pytest.mark.slow
HELPDESK = str(REPO / ".venv/bin/helpdesk")


@pytest.fixture(scope="module")
def good_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory: Path = tmp_path_factory.mktemp("good-index") / "index"
    env = {**os.environ, "HELPDESK_INDEX_DIR": str(directory)}
    subprocess.run([HELPDESK, "index", "build"], cwd=REPO, env=env, check=True, capture_output=True, timeout=600)
    return directory


def _corrupt(directory: Path) -> None:
    data = bytearray((directory / "faiss.index").read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    (directory / "faiss.index").write_bytes(data)


def _stale(directory: Path, knowledge: Path) -> None:
    # The knowledge changed after the index was built: one answer edited.
    faq = knowledge / "cvm-ports-security-groups-faq.md"
    faq.write_text(faq.read_text(encoding="utf-8") + "\n", encoding="utf-8")


def _env(tmp_path: Path, index: Path, knowledge: Path, auto_build: bool, port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")},
        "HELPDESK_INDEX_DIR": str(index),
        "HELPDESK_KNOWLEDGE_DIR": str(knowledge),
        "HELPDESK_DATA_DIR": str(tmp_path / "data"),
        "HELPDESK_AUTO_BUILD": "true" if auto_build else "false",
        "HELPDESK_PORT": str(port),
    }


@pytest.fixture
def damaged(request: pytest.FixtureRequest, good_index: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    """(index dir, knowledge dir, what is wrong), per the test's parameter."""
    index, knowledge = tmp_path / "index", tmp_path / "knowledge"
    shutil.copytree(good_index, index)
    shutil.copytree(REPO / "knowledge" / "data", knowledge)
    kind: str = request.param
    if kind == "corrupt":
        _corrupt(index)
        expected = "does not match its checksum"
    elif kind == "stale":
        _stale(index, knowledge)
        expected = "cannot be used"
    else:  # missing
        shutil.rmtree(index)
        expected = "helpdesk index build"
    return index, knowledge, expected


@pytest.mark.parametrize("damaged", ["corrupt", "stale", "missing"], indirect=True)
def test_refused_without_auto_build(damaged: tuple[Path, Path, str], tmp_path: Path) -> None:
    index, knowledge, expected = damaged
    before = sorted(p.name for p in index.iterdir()) if index.exists() else []
    done = subprocess.run(
        [HELPDESK, "serve"],
        cwd=REPO,
        env=_env(tmp_path, index, knowledge, auto_build=False, port=free_port()),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert expected in output, output[-2000:]
    assert "helpdesk index build" in output  # says what to do
    assert "Uvicorn running" not in output  # refused before uvicorn started serving
    # Refusing does not touch the files.
    assert (sorted(p.name for p in index.iterdir()) if index.exists() else []) == before


@pytest.mark.parametrize("damaged", ["corrupt", "stale"], indirect=True)
def test_rebuilt_and_served_with_auto_build(damaged: tuple[Path, Path, str], tmp_path: Path) -> None:
    index, knowledge, _ = damaged
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [HELPDESK, "serve"],
            cwd=REPO,
            env=_env(tmp_path, index, knowledge, auto_build=True, port=port),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline, ready = time.monotonic() + 300, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, log.read_text()
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/answer", json={"question": "445端口能用吗"}, timeout=10)
        assert answer.status_code == 200
        assert answer.json()["candidates"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "index rebuilt" in log.read_text()
    status = subprocess.run(
        [HELPDESK, "index", "status"],
        cwd=REPO,
        env=_env(tmp_path, index, knowledge, auto_build=False, port=port),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 0, status.stdout + status.stderr  # the rebuilt index is current
