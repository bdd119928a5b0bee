"""Settings, read from the environment when asked for, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting Reachable reads; each is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="REACHABLE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///reachable.db",
        description="SQLAlchemy URL of the operational store: SQLite (embedded default) or PostgreSQL.",
    )
    data_dir: Path = Field(default=Path("var"), description="Folder for the demo world, exports and logs.")
    rules_dir: Path | None = Field(default=None, description="Extra local rule files (YAML), beside built-ins.")
    secret_key: str = Field(
        default="change-me-in-production",
        description="Key that signs sessions and audit exports; set a long random value in production.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server binds to.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    echo_sql: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    max_concurrent_requests: int = Field(
        default=64, ge=1,
        description="Requests one server worker handles at once (more wait in line); the PostgreSQL pool matches.",
    )
    db_pool_size: int = Field(
        default=68, ge=1,
        description="PostgreSQL connections each server worker keeps once opened (it opens them as needed, and "
                    "more, up to one per admitted request plus 4, under load).",
    )


def get_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
