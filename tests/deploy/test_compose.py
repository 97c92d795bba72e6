"""docker-compose.yml checked without a Docker engine (none runs here).

The file is interpolated the way Compose does it (``${VAR}``, ``${VAR:-default}``,
``${VAR:?error}``, ``$$``) with the values of .env.example, then validated against the
Compose Specification's JSON schema; and what the schema cannot know is checked by hand:
referenced files, image tags, ports, variables, health checks and restart policies.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from helpdesk.settings import environment_variables

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
SCHEMA = Path(__file__).with_name("compose-spec.json")
_VAR = re.compile(r"\$(?:\$|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")
# docker's reference grammar, simplified: [registry/]name[:tag]; a tag is required here.
_IMAGE = re.compile(
    r"^(?:[a-z0-9.-]+(?::\d+)?/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[\w][\w.-]{0,127}$"
)
# Read from the environment by something other than Settings (uvicorn).
EXTRA_APP_VARIABLES = {"FORWARDED_ALLOW_IPS"}


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution; an unset ``${VAR:?msg}`` fails like ``docker compose config``."""

    def substitute(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        operator, argument = m.group(2), m.group(3)
        value = env.get(name)
        if operator in (":-", "-"):
            return value if value else (argument or "")
        if operator in (":?", "?"):
            if not value:
                raise ValueError(f"required variable {name} is not set: {argument}")
            return value
        return value or ""

    return _VAR.sub(substitute, text)


def used_variables(text: str) -> set[str]:
    return {m.group(1) or m.group(4) for m in _VAR.finditer(text) if m.group(0) != "$$"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8"), env_example()))
    return loaded


def test_compose_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    # The file names draft 2019-09 by an outdated URI; say which draft explicitly.
    jsonschema.Draft201909Validator.check_schema(schema)
    validator = jsonschema.Draft201909Validator(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors, "\n".join(errors)


def test_the_schema_rejects_a_broken_file(compose: dict[str, Any]) -> None:
    # The validation above is not vacuous: a misspelt key is caught.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {**compose, "services": {**compose["services"], "app": {**compose["services"]["app"], "helthcheck": {}}}}
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(broken))


def test_all_parts_are_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"app", "actions", "rasa", "redis", "postgres", "spool-init"}


def test_every_variable_is_documented_and_every_documented_one_used() -> None:
    used = used_variables(COMPOSE.read_text(encoding="utf-8"))
    documented = set(env_example())
    assert used <= documented, f"used in docker-compose.yml, missing from .env.example: {sorted(used - documented)}"
    assert documented <= used, f"documented in .env.example, used nowhere: {sorted(documented - used)}"


def test_every_variable_has_a_comment_in_env_example() -> None:
    # Each variable, or the group of variables it belongs to, is explained by the comment above it.
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if not line or line.startswith("#"):
            continue
        j = i - 1
        while j >= 0 and lines[j] and not lines[j].startswith("#"):
            j -= 1
        assert j >= 0 and lines[j].startswith("#") and not lines[j].startswith("# ---"), f"{line}: no comment"


def test_required_secrets_fail_when_missing_and_are_placeholders_in_the_example() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    required = {m.group(1) for m in _VAR.finditer(text) if m.group(2) == ":?"}
    assert required == {
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "HELPDESK_ADMIN_TOKEN",
        "HELPDESK_EVENTS_TOKEN",
        "HELPDESK_HANDOFF_TOKEN",
    }
    for name in required:
        assert env_example()[name] == "change-me"
        with pytest.raises(ValueError, match=name):
            interpolate(text, {k: v for k, v in env_example().items() if k != name})


def test_no_secret_is_written_in_the_compose_file() -> None:
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|TOKEN|SECRET|KEY", key):
                assert str(value).startswith("${"), f"{name}: {key} must come from the environment"


def test_referenced_files_exist(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = REPO / build["context"]
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            assert dockerfile.is_file(), f"{name}: {dockerfile}"
            for line in dockerfile.read_text(encoding="utf-8").splitlines():
                if line.startswith("COPY ") and "--from" not in line:
                    for source in line.split()[1:-1]:
                        assert (context / source).exists(), f"{name}: {dockerfile.name} copies missing {source}"
        for volume in service.get("volumes", []):
            host = volume.split(":")[0]
            if host.startswith("."):
                assert (REPO / host).exists(), f"{name} mounts missing {host}"


def test_rasa_serves_the_trained_model_and_the_deployment_endpoints(compose: dict[str, Any]) -> None:
    rasa = compose["services"]["rasa"]
    command = rasa["command"]
    # scripts/bot.sh train writes bot/models/current.tar.gz, mounted as /app.
    assert command[command.index("--model") + 1] == "models/current.tar.gz"
    assert 'MODEL_NAME="current"' in (REPO / "scripts/bot.sh").read_text()
    assert "./bot:/app:ro" in rasa["volumes"]
    assert (REPO / "bot" / command[command.index("--credentials") + 1]).is_file()
    assert "--enable-api" not in command  # Rasa's HTTP API would expose every conversation
    # Started through the launcher, which installs the runtime guards (bot/rasa_compat.py) first.
    assert rasa["entrypoint"] == ["python", "/app/run.py"] and (REPO / "bot/run.py").is_file()
    assert command[0] == "run" and "RASA_API_TOKEN" not in rasa["environment"]
    endpoints_mount = next(v for v in rasa["volumes"] if v.endswith(":/etc/rasa/endpoints.yml:ro"))
    endpoints_text = (REPO / endpoints_mount.split(":")[0]).read_text(encoding="utf-8")
    endpoints = yaml.safe_load(endpoints_text)
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "guards.lock_store.AtomicRedisLockStore"
    assert (REPO / "bot/guards/lock_store.py").is_file()
    # Every ${VAR} of the endpoints file is set in the rasa container.
    settings_lines = "\n".join(line for line in endpoints_text.splitlines() if not line.lstrip().startswith("#"))
    missing = used_variables(settings_lines) - set(rasa["environment"])
    assert not missing, missing


def test_image_tags_are_pinned_and_match_the_rasa_environment(compose: dict[str, Any]) -> None:
    rasa_version = re.search(r"^rasa==([\d.]+)", (REPO / "requirements-rasa.txt").read_text(), re.M)
    assert rasa_version is not None
    for name, service in compose["services"].items():
        image = service["image"]
        assert _IMAGE.match(image), f"{name}: {image!r} is not name:tag"
        if "build" not in service:
            assert not image.endswith(":latest"), f"{name}: pin a version, not latest"
    assert compose["services"]["rasa"]["image"] == f"rasa/rasa:{rasa_version.group(1)}-full"
    actions_from = (REPO / "Dockerfile.actions").read_text().split("FROM ", 1)[1].split()[0]
    assert _IMAGE.match(actions_from)
    assert actions_from.startswith("rasa/rasa-sdk:3.6.")  # the SDK line of Rasa 3.6


def test_ports_are_valid_and_match_what_the_services_listen_on(compose: dict[str, Any]) -> None:
    listens = {"app": 8000, "rasa": 5005}
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            address, host, container = mapping.rsplit(":", 2)
            ipaddress.ip_address(address)
            assert 1 <= int(host) <= 65535 and int(container) == listens[name], (name, mapping)
    assert "EXPOSE 8000" in (REPO / "Dockerfile").read_text()
    # Databases are reachable only on the compose network.
    assert "ports" not in compose["services"]["redis"] and "ports" not in compose["services"]["postgres"]


def test_health_checks_restart_policies_and_start_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    one_shot = {"spool-init"}  # runs once before Rasa, then exits: no restart, no health check
    for name, service in services.items():
        if name in one_shot:
            assert "restart" not in service and service.get("entrypoint"), name
            continue
        assert service.get("restart") == "unless-stopped", name
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            expected = "service_completed_successfully" if dependency in one_shot else "service_healthy"
            assert condition["condition"] == expected, (name, dependency)
    # The spool-init service prepares the very volume Rasa spools to.
    spool = services["rasa"]["environment"]["HELPDESK_EVENTS_SPOOL"]
    assert f"event-spool:{spool}" in services["rasa"]["volumes"]
    assert f"event-spool:{spool}" in services["spool-init"]["volumes"]
    assert services["spool-init"]["entrypoint"][-1] == spool


def test_app_variables_are_real_settings(compose: dict[str, Any]) -> None:
    fields = set(environment_variables().values())
    for name in compose["services"]["app"]["environment"]:
        assert name in fields or name in EXTRA_APP_VARIABLES, f"app: {name} is read by nothing"


def test_the_action_server_is_the_rate_limit_exemption(compose: dict[str, Any]) -> None:
    subnet = ipaddress.ip_network(compose["networks"]["backend"]["ipam"]["config"][0]["subnet"])
    actions_ip = ipaddress.ip_address(compose["services"]["actions"]["networks"]["backend"]["ipv4_address"])
    assert actions_ip in subnet
    assert compose["services"]["app"]["environment"]["HELPDESK_RATE_LIMIT_EXEMPT"] == str(actions_ip)


def test_images_run_as_non_root() -> None:
    for dockerfile in ("Dockerfile", "Dockerfile.actions"):
        users = [line.split()[1] for line in (REPO / dockerfile).read_text().splitlines() if line.startswith("USER ")]
        assert users and users[-1] not in ("root", "0"), dockerfile


def test_what_waits_for_the_database_is_on_volumes(compose: dict[str, Any]) -> None:
    # Hand-offs kept while PostgreSQL is down (the app's outbox) and turn records the app could not
    # take (Rasa's spool) must survive a container restart: both live on named volumes.
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    data_dir = re.search(r"HELPDESK_DATA_DIR=(\S+)", dockerfile)
    assert data_dir, "the Dockerfile sets HELPDESK_DATA_DIR"
    outbox = f"{data_dir.group(1)}/handoff-outbox"  # api/services.py: settings.data_dir / "handoff-outbox"
    assert f"handoff-outbox:{outbox}" in compose["services"]["app"]["volumes"]
    assert f"mkdir -p {outbox}" in dockerfile  # so that the new volume belongs to the app's user
    assert {"handoff-outbox", "event-spool"} <= set(compose["volumes"])
