"""Settings come from the environment and .env; a bad one stops start-up with one clear line."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import load_settings


def test_defaults_match_the_design(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./oncall.db"
    assert settings.port == 8080
    assert settings.announce_channel == "incidents"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.slack_timeout == 10
    assert settings.role == "all"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PORT=8123\nANNOUNCE_CHANNEL=#major-incidents\n")
    settings = load_settings()
    assert settings.port == 8123 and settings.announce_channel == "major-incidents"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "http", "PORT is invalid"),
        ("ROLE", "cook", "ROLE is invalid: must be one of all, web, worker, scheduler (not 'cook')"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL is invalid: must start with sqlite+aiosqlite://"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT is invalid"),
        ("DATABASE_URL", "sqlite+aiosqlite:////no/such/dir/x.db", "folder /no/such/dir for the SQLite file does not"),
        ("ONCALL_CONFIG", "/nowhere/oncall.yml", "ONCALL_CONFIG is invalid: file /nowhere/oncall.yml does not exist"),
        ("WEB_BASE_URL", "oncall.example.com", "WEB_BASE_URL is invalid: must be the pages' public address"),
        ("TRUSTED_PROXIES", "10.0.0.1,proxy", "TRUSTED_PROXIES is invalid: 'proxy' is not an IP address or network"),
        ("WEB_SESSION_IDLE_HOURS", "0", "WEB_SESSION_IDLE_HOURS is invalid"),
        ("SLACK_TIMEOUT", "0", "SLACK_TIMEOUT is invalid: must be whole seconds from 1 to 300, like 10 (not '0')"),
        ("SLACK_TIMEOUT", "2.5", "SLACK_TIMEOUT is invalid: must be whole seconds from 1 to 300, like 10 (not '2.5')"),
    ],
)
def test_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings()


def test_serve_without_tokens_exits_with_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "serve"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "oncall-bot: SLACK_BOT_TOKEN is required but not set (see .env.example)"
    assert "Traceback" not in result.stderr


def test_bad_setting_on_the_command_line_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "-5")
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "db", "upgrade"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("oncall-bot: PORT is invalid")


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"SLACK_CLIENT_ID": "1000.2000"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "1000.2000", "SLACK_CLIENT_SECRET": "s3cret-0123456789"}, "WEB_BASE_URL"),
        ({"SLACK_CLIENT_SECRET": "s3cret-0123456789", "WEB_BASE_URL": "https://oncall.example.com"}, "SLACK_CLIENT_ID"),
    ],
)
def test_half_set_up_sign_in_with_slack_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, given: dict[str, str], missing: str
) -> None:
    for name, value in given.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None)
    assert str(refused.value) == (
        f"Sign in with Slack needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and WEB_BASE_URL; {missing} is not set "
        "(see .env.example)"
    )


def test_sign_in_with_slack_is_set_up_by_three_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "1000.2000")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "s3cret-0123456789")
    monkeypatch.setenv("WEB_BASE_URL", "https://oncall.example.com/")
    settings = load_settings(_env_file=None)
    assert settings.sign_in_with_slack and settings.web_base_url == "https://oncall.example.com"


def test_a_role_of_its_own_needs_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLE", "worker")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == (
        "ROLE=worker needs a PostgreSQL DATABASE_URL that the other roles share; on SQLite one process runs "
        "everything (ROLE=all)"
    )
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://oncall@db:5432/oncall")
    assert load_settings().role == "worker"
