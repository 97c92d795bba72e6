"""docker-compose.yml cannot run here (no Docker engine); check what can be checked."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_compose_parses_and_references_existing_files() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"app", "rasa", "actions", "redis", "postgres"} <= set(services)
    assert (REPO / "Dockerfile").exists()
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for volume in service.get("volumes", []):
            host = volume.split(":")[0]
            if host.startswith("."):
                assert (REPO / host).exists(), f"{name} mounts missing {host}"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"


def test_every_compose_variable_is_documented() -> None:
    import re

    text = (REPO / "docker-compose.yml").read_text()
    documented = {
        line.split("=")[0]
        for line in (REPO / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    used = set(re.findall(r"\$\{(\w+)", text))
    assert used <= documented, used - documented
