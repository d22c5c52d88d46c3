"""Settings: read once from the environment and `.env`; no other module reads os.environ."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Role(StrEnum):
    """What one `serve` process runs, so that intake, outbox workers and the scheduler scale apart."""

    ALL = "all"
    WEB = "web"  # Slack (HTTP or Socket Mode), webhooks, the API, the web pages, health
    WORKER = "worker"  # the outbox worker and the escalation worker, and health
    SCHEDULER = "scheduler"  # the leader-elected scheduler and SLO evaluations, and health

    @property
    def takes_requests(self) -> bool:
        return self in (Role.ALL, Role.WEB)

    @property
    def works(self) -> bool:
        return self in (Role.ALL, Role.WORKER)

    @property
    def schedules(self) -> bool:
        return self in (Role.ALL, Role.SCHEDULER)


ROLES = ", ".join(role.value for role in Role)


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
    # Optional bearer for automation reading the web pages: it sees what an anonymous reader may (public
    # incidents and SLOs). People sign in with Slack instead.
    web_token: str | None = None
    # Sign in with Slack (OpenID Connect): the app's credentials from "Basic Information", and the public
    # address the pages are reached at (Slack sends people back to <WEB_BASE_URL>/auth/slack/callback).
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    web_base_url: str | None = None
    web_session_idle_hours: float = Field(default=12.0, gt=0)
    web_session_max_days: float = Field(default=7.0, gt=0)
    # Addresses (or networks) of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For are believed:
    # anyone else could claim HTTPS or another client address by sending those headers.
    trusted_proxies: str = ""
    # Optional bearer for GET /metrics: open by default, as Prometheus targets usually are; what it
    # shows is counts, never an incident's title, and private incidents are not told apart.
    metrics_token: str | None = None
    # Phones (docs/paging-pagers.md): where PagerDuty's Events API v2 takes events, the start of each
    # incident's dedup_key (give each bot sharing a PagerDuty service its own), and the key that signs webhooks.
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    pagerduty_dedup_prefix: str = "oncall-bot"
    paging_webhook_secret: str | None = None
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
    # How long one Slack Web API call may take before the bot gives up on its answer; the outbox then
    # tries again, and finds a call whose answer was lost already done. Whole seconds, as slack_sdk takes.
    slack_timeout: int = 10
    # What this process runs (see docs/deployment.md, "Roles"): everything, or one part of it.
    role: Role = Role.ALL

    @field_validator("slack_api_url")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        # slack_sdk joins base_url and method name by plain concatenation
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("role", mode="before")
    @classmethod
    def _known_role(cls, value: Any) -> Any:
        if str(value).strip().lower() not in {role.value for role in Role}:
            raise ValueError(f"must be one of {ROLES} (not {str(value)!r})")
        return str(value).strip().lower()

    @field_validator("pagerduty_events_url")
    @classmethod
    def _events_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL, like https://events.pagerduty.com/v2/enqueue")
        return value

    @field_validator("pagerduty_dedup_prefix")
    @classmethod
    def _dedup_prefix(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
            raise ValueError("must be up to 64 letters, digits, '.', '_' and '-', like oncall-bot-acme")
        return value

    @field_validator("slack_timeout", mode="before")
    @classmethod
    def _whole_seconds(cls, value: Any) -> int:
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= 300:
            raise ValueError(f"must be whole seconds from 1 to 300, like 10 (not {text!r})")
        return int(text)

    @field_validator("web_token", "webhook_token", "metrics_token", "paging_webhook_secret")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        # Each token is the only lock on its door (a short one is guessed), and logs redact secrets of
        # 8 characters and more.
        if value and len(value) < 16:
            raise ValueError("must be at least 16 characters: use a long random string")
        return value or None

    @field_validator("web_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be the pages' public address, like https://oncall.example.com")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in value.split(","):
            try:
                if item.strip():
                    ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{item.strip()!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
        return value

    @model_validator(mode="after")
    def _sign_in_complete(self) -> Settings:
        given = {"SLACK_CLIENT_ID": self.slack_client_id, "SLACK_CLIENT_SECRET": self.slack_client_secret}
        if any(given.values()):
            given["WEB_BASE_URL"] = self.web_base_url
            missing = [name for name, value in given.items() if not value]
            if missing:
                raise ValueError(
                    f"Sign in with Slack needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and WEB_BASE_URL; {missing[0]} is "
                    "not set (see .env.example)"
                )
        return self

    @model_validator(mode="after")
    def _roles_share_postgresql(self) -> Settings:
        # One process uses a SQLite file: a web role there would leave nobody to perform its Slack work.
        if self.role != Role.ALL and not self.database_url.startswith("postgresql"):
            raise ValueError(
                f"ROLE={self.role} needs a PostgreSQL DATABASE_URL that the other roles share; "
                "on SQLite one process runs everything (ROLE=all)"
            )
        return self

    @property
    def sign_in_with_slack(self) -> bool:
        return bool(self.slack_client_id and self.slack_client_secret and self.web_base_url)

    @property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(item.strip(), strict=False) for item in self.trusted_proxies.split(",") if item.strip()
        )

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
        reason = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:  # a rule across settings names them itself
            raise SettingsError(reason) from None
        raise SettingsError(f"{str(error['loc'][0]).upper()} is invalid: {reason}") from None
