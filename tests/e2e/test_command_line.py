"""The console script as an operator runs it: the demo, and migrations on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage import migrate


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_demo_plays_an_incident_and_exits_0(tmp_path: Path) -> None:
    result = _run("demo")
    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert "#inc-1-checkout-api-returns-500s" in output
    assert "Error rate on cart-service is 41% since 14:02 (edited)" in output
    assert "lunch at 1?" not in output.split("== what each channel shows now")[1]
    assert ":white_check_mark: @bob resolved *INC-1*" in output
    assert f"The demo's database (SQLite) is at {tmp_path / 'oncall-demo.db'}" in output
    assert "Traceback" not in result.stderr


def test_db_upgrade_brings_an_empty_database_to_head(database_url: str, tmp_path: Path) -> None:
    if database_url.startswith("sqlite"):
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = _run("db", "upgrade", env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"database is at migration {migrate.head_revision()} (head)"
