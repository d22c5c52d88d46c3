"""`oncall-bot demo` as a new user runs it: the whole story, drawn for a terminal, and commands that work.

The story spans a day (an incident of 25 minutes, a quiet stretch before a nudge, the next morning's
digest and retro); the subprocess's timeout is a tiny fraction of that, so only a simulated clock passes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

# Generous for a loaded machine, and still a sliver of the day the story spans (checked below).
TIMEOUT_SECONDS = 240
BOX = "│╭╮╰╯─"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
SCRIPT = Path(sys.executable).parent / "oncall-bot"  # the console script of the install under test


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict[str, str]]:
    """One run for every test here, as `make demo` runs it: the console script by its path, no venv on PATH."""
    folder = tmp_path_factory.mktemp("demo")
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "HOME": str(folder)}
    result = subprocess.run(
        [str(SCRIPT), "demo"], cwd=folder, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert result.stderr == "", result.stderr  # no traceback, no warning, no log chatter
    return result.stdout, folder, env


def panels(output: str) -> dict[str, list[str]]:
    """Each channel's box, as its lines without the frame."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith("╭─ "):
            name = line.removeprefix("╭─ ").split(" ")[0]
            current = found.setdefault(name, [])
        elif line.startswith("╰"):
            current = None
        elif current is not None:
            current.append(line.strip(BOX + " "))
    return found


def progress(output: str) -> dict[str, datetime]:
    """When each progress line happened on the story's clock (its day of the week and time of day)."""
    lines: dict[str, datetime] = {}
    for match in re.finditer(rf"^({'|'.join(DAYS)}) (\d\d):(\d\d)  (.+)$", output, re.M):
        day = datetime(2000, 1, 3) + timedelta(days=DAYS.index(match[1]))  # a Monday
        at = day.replace(hour=int(match[2]), minute=int(match[3]))
        if lines and at < min(lines.values()):
            at += timedelta(weeks=1)  # the story went past Sunday
        lines.setdefault(match[4], at)
    return lines


def when(lines: dict[str, datetime], words: str) -> datetime:
    return next(at for text, at in lines.items() if words in text)


def test_the_story_runs_from_the_alert_to_the_retro(demo: tuple[str, Path, dict[str, str]]) -> None:
    output, _, _ = demo
    channels = panels(output)
    incident = channels["#inc-1-checkout-api-returns-500s"]
    text = "\n".join(incident)
    # the Alertmanager alert opened the incident, with its rule's name and its runbook
    assert "CheckoutErrors" in output.split("What each channel shows now")[0]
    assert any(
        "Runbook" in line and "https://runbooks.example.com/payments/checkout-errors" in line for line in incident
    )
    # people talked: the edit is marked, the deleted message is gone, the reply sits under its message
    edited = next(i for i, line in enumerate(incident) if "Error rate on checkout is 41%" in line)
    assert incident[edited - 1].startswith("bob ") and incident[edited - 1].endswith("(edited)")
    assert incident[edited + 1].startswith("└── alice") and "Only EU checkouts fail" in incident[edited + 2]
    assert "checkout is 38%" not in text and "lunch at 1?" not in output.split("What each channel shows now")[1]
    assert any(line.startswith("📌 carol") for line in incident)  # the 📌 reaction marks a key event
    # roles, status changes, the nudge, resolution, follow-ups, the postmortem file
    assert "@carol" in text and "@bob" in text and "identified" in text and "monitoring" in text
    nudge = next(i for i, line in enumerate(incident) if "10m" in line and "INC-1" in line)
    assert incident[nudge - 1].startswith("oncall APP")
    assert "Resolved" in text and "follow-up #1" in text and "follow-up #2" in text
    assert "postmortem-inc-1.md" in text
    # the SLO's budget, spent by the incident's 20 minutes: 1 − 20 min / (0.1 % of 28 days) = 50 % left
    assert re.search(r"scheduler · SLO evaluated: 🟠 checkout-availability .* 🔥 fast burn", output)
    digest = "\n".join(channels["#slo-digest"])
    assert "SLO digest" in digest and "budget 50 % left" in digest and "20m impact" in digest
    chart = Path(re.search(r"🖼 .*→ (\S+\.png)", digest)[1])  # type: ignore[index]
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "SLOErrorBudgetBurn" in "\n".join(channels["#alerts"])
    # the retro's agenda lists the incident
    retro = "\n".join(channels["#retros"])
    assert "Retro" in retro and "INC-1" in retro and "25m" in retro


def test_durations_agree_with_the_story_clock(demo: tuple[str, Path, dict[str, str]]) -> None:
    output, _, _ = demo
    lines = progress(output)
    opened, resolved = when(lines, "Alertmanager POSTs"), when(lines, "alice resolves INC-1")
    assert resolved - opened == timedelta(minutes=25)
    incident = panels(output)["#inc-1-checkout-api-returns-500s"]
    duration = next(i for i, line in enumerate(incident) if line.split()[-1:] == ["Duration"])
    assert incident[duration + 1].split()[-1] == "25m"  # the summary's Duration field
    assert when(lines, "nudges") - when(lines, "the cause is identified") == timedelta(minutes=10)
    assert when(lines, "retro's agenda") - opened > timedelta(hours=12)  # a day's story, played in seconds


def test_slack_markup_is_drawn_for_a_terminal(demo: tuple[str, Path, dict[str, str]]) -> None:
    output, _, _ = demo
    assert not re.search(r"<[@#!][^>]*>", output)  # mentions and links were resolved
    assert not re.search(r"\b[UC]0\d{8}\b", output)  # names, not ids
    assert not re.search(r":[a-z][a-z0-9_+-]*:", output)  # emoji as characters, not shortcodes
    assert "*INC-1*" not in output and "&gt;" not in output and "&amp;" not in output
    assert "✅" in output and "🟠" in output and "@alice" in output and "#inc-1-checkout-api-returns-500s" in output


def test_the_printed_commands_work_as_printed(demo: tuple[str, Path, dict[str, str]]) -> None:
    output, folder, env = demo
    database = folder / "oncall-demo.db"
    assert database.is_file()
    further = output.split("Look further")[1].splitlines()
    postmortem = next(line.strip() for line in further if "postmortem INC-1" in line)
    assert postmortem == f"DATABASE_URL=sqlite+aiosqlite:///{database} {SCRIPT} postmortem INC-1"
    assert any(line.strip().startswith(f"{SCRIPT} demo --serve") for line in further)
    # literally, from another folder: the path is absolute
    result = subprocess.run(postmortem, shell=True, cwd="/", env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Postmortem: INC-1 Checkout API returns 500s")
    assert "Add a canary stage for EU checkouts" in result.stdout
    # the same document the story uploaded, but for when it was generated: now, after the story
    printed, uploaded = result.stdout.splitlines(), (folder / "postmortem-inc-1.md").read_text().splitlines()
    differ = [(a, b) for a, b in zip(printed, uploaded, strict=True) if a != b]
    [(now, then)] = differ
    generated = [datetime.strptime(line[len("_Generated ") :][:16], "%Y-%m-%d %H:%M") for line in (now, then)]
    assert generated[1] < generated[0] <= datetime.now(UTC).replace(tzinfo=None), differ


def test_the_readme_shows_the_commands_the_demo_prints(demo: tuple[str, Path, dict[str, str]]) -> None:
    """README's lines are what `make demo` prints from the checkout: `$PWD` there, `.venv/bin/oncall-bot`."""
    output, folder, _ = demo
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("ends with the commands to look further")[1].split("```sh\n")[1].split("```")[0]
    documented = [
        line.split("  #")[0].strip().replace("$PWD", str(folder)).replace(".venv/bin/oncall-bot", str(SCRIPT))
        for line in block.splitlines()
    ]
    printed = [line.split("  #")[0].strip() for line in output.split("Look further")[1].splitlines() if line.strip()]
    assert documented == printed
