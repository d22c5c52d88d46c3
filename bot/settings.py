"""Settings: read once from the environment and `.env`; no other module reads os.environ."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Every setting of the bot; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite+aiosqlite:///./oncall.db"
    webhook_token: str | None = None
    announce_channel: str = "#incidents"
    web_token: str | None = None
    # Optional bearer for GET /metrics: open by default, as Prometheus targets usually are; what it
    # shows is counts, never an incident's title, and private incidents are not told apart.
    metrics_token: str | None = None
    oncall_config: Path | None = None
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=0, le=65535)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.CONSOLE
    # Off by default: the bot logs what each request did, and at alert-storm rates one more formatted
    # line per request costs the webhook and the slash-command ack more than anything else they do.
    access_log: bool = False
    # How long a client may take to send a request's headers, or its body, or stay idle between
    # requests: a connection that trickles bytes is closed instead of holding a socket forever.
    http_read_timeout: float = Field(default=15.0, gt=0, le=3600)

    @field_validator("slack_api_url")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        # slack_sdk joins base_url and method name by plain concatenation
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("web_token", "webhook_token", "metrics_token")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        # Each token is the only lock on its door (a short one is guessed), and logs redact secrets of
        # 8 characters and more.
        if value and len(value) < 16:
            raise ValueError("must be at least 16 characters: use a long random string")
        return value or None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        sqlite_file = value.removeprefix("sqlite+aiosqlite:///")
        if value.startswith("sqlite") and sqlite_file and sqlite_file != ":memory:":
            folder = Path(sqlite_file.split("?")[0]).parent
            if not folder.is_dir():
                raise ValueError(f"folder {folder} for the SQLite file does not exist")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("oncall_config", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("oncall_config")
    @classmethod
    def _config_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file {value} does not exist")
        return value

    @field_validator("announce_channel")
    @classmethod
    def _channel_name(cls, value: str) -> str:
        return value.lstrip("#") if value.startswith("#") else value

    def require(self, *names: str) -> None:
        """Stop with one line naming the first required setting that is empty."""
        for name in names:
            if not getattr(self, name):
                raise SettingsError(f"{name.upper()} is required but not set (see .env.example)")


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid: {reason}") from None
