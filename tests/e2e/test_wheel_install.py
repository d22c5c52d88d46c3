"""oncall-bot as a user installs it: a wheel built from what a clone has, installed (not editable) into a fresh
virtualenv outside the checkout with the locked dependencies, run from another directory. The checkout's own
install is nowhere on its path, so a template, migration or dependency the wheel lacks fails here."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.slack.scopes import REQUIRED_SCOPES
from slack_emulator import SlackEmulator
from tests.e2e.bot_process import BotProcess, free_port, serve_environment
from tests.e2e.conftest import SIGNING_SECRET
from tests.helpers import eventually

ROOT = Path(__file__).parents[2]
PACKAGES = ("bot", "handlers", "storage", "slack_emulator")
# The installer the Makefile puts beside the test runner; it installs from the lock out of its own cache.
UV = Path(sys.executable).parent / "uv"


async def run(*arguments: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    process = await asyncio.create_subprocess_exec(
        *map(str, arguments), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    text = output.decode(errors="replace")
    assert process.returncode == 0, f"{' '.join(map(str, arguments))} exited {process.returncode}:\n{text}"
    return text


def tracked_files() -> list[str]:
    command = ["git", "ls-files", *PACKAGES, "pyproject.toml", "README.md"]
    listed = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return listed.stdout.splitlines()


def copy_of_the_clone(into: Path) -> Path:
    """Only what git tracks: a file that exists in this checkout alone cannot make the wheel work."""
    for name in tracked_files():
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, into / name)
    return into


async def test_a_wheel_installed_outside_the_checkout_runs_the_demo_and_serves_a_declared_incident(
    tmp_path: Path,
) -> None:
    assert UV.exists(), f"{UV} is missing: run `make test`, which installs it"
    assert not tmp_path.is_relative_to(ROOT)
    source = copy_of_the_clone(tmp_path / "source")

    # An sdist first, then the wheel from it: both must carry every data file the packages hold.
    await run(UV, "build", "--quiet", "--out-dir", tmp_path / "dist", source, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("*.whl")
    data_files = {name for name in tracked_files() if name.startswith(PACKAGES) and not name.endswith(".py")}
    assert data_files, "no templates or migrations found in the checkout"
    assert data_files <= set(zipfile.ZipFile(wheel).namelist()), "package data missing from the wheel"

    venv = tmp_path / "venv"
    python, oncall_bot = venv / "bin" / "python", venv / "bin" / "oncall-bot"
    await run(UV, "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    await run(UV, "pip", "install", "--quiet", "--python", python, "-r", ROOT / "requirements.lock", cwd=tmp_path)
    await run(UV, "pip", "install", "--quiet", "--python", python, "--no-deps", wheel, cwd=tmp_path)
    # the lock satisfies everything the wheel declares, and brings no test tool along
    await run(UV, "pip", "check", "--python", python, cwd=tmp_path)
    installed = await run(UV, "pip", "list", "--python", python, "--format", "freeze", cwd=tmp_path)
    assert "pytest" not in installed and "oncall-bot==" in installed

    home = tmp_path / "user"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    where = await run(python, "-c", "import bot, storage; print(bot.__file__, storage.__file__)", cwd=home, env=env)
    assert all(Path(path).is_relative_to(venv) for path in where.split()), where

    demo = await run(oncall_bot, "demo", cwd=home, env=env)
    assert "INC-1" in demo and "Traceback" not in demo

    database_url = f"sqlite+aiosqlite:///{home / 'oncall.db'}"
    upgraded = await run(oncall_bot, "db", "upgrade", cwd=home, env={**env, "DATABASE_URL": database_url})
    assert "(head)" in upgraded

    slack = SlackEmulator(scopes=REQUIRED_SCOPES, signing_secret=SIGNING_SECRET)
    await slack.start()
    alice = slack.add_user("alice")
    general = slack.add_channel("general", creator=alice, members=[alice])
    slack.add_channel("incidents", creator=alice, members=[alice])
    serve_env = {**serve_environment(database_url=database_url, port=free_port(), slack=slack), "HOME": str(home)}
    bot = BotProcess("installed", serve_env, home, command=[str(oncall_bot)])
    try:
        await bot.start()
        await bot.wait_ready()
        slack.bot_endpoint = bot.url("/slack/events")
        delivery = await slack.slash_command(user=alice, channel=general, text="declare Checkout is down sev2")
        assert delivery.status == 200, delivery.text
        assert "*INC-1* declared: Checkout is down (SEV2)" in delivery.json()["text"]
        channel = await eventually(lambda: slack.channel_by_name("inc-1-checkout-is-down"), within=20)
        assert channel is not None
        # the summary pinned and the declarer invited: the incident's Slack work is all done
        await eventually(lambda: len(slack.pins(channel.id)) == 1 and alice in channel.members, within=20)
    finally:
        await bot.stop()
        await slack.stop()
    assert "Traceback" not in bot.log_text(), bot.log_text()
