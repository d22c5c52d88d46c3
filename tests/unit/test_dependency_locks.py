"""The locks match pyproject.toml, and `make demo` installs from the runtime lock alone, saying so."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[2]
LOCKS = ("requirements.lock", "requirements-dev.lock")


def pins(lock: str) -> dict[str, set[str]]:
    """Each locked package's versions (one per Python version range at most)."""
    found: dict[str, set[str]] = {}
    for name, version in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", (ROOT / lock).read_text(), flags=re.MULTILINE):
        found.setdefault(canonicalize_name(name), set()).add(version)
    return found


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(text) for text in texts]


def unlocked(requirements: list[Requirement], lock: str) -> list[str]:
    locked = pins(lock)
    return [
        str(requirement)
        for requirement in requirements
        if not locked.get(canonicalize_name(requirement.name))
        or not all(requirement.specifier.contains(version) for version in locked[canonicalize_name(requirement.name)])
    ]


def test_every_dependency_in_pyproject_is_locked_at_a_version_it_allows() -> None:
    assert unlocked(declared(), "requirements.lock") == [], "run `make lock`"
    assert unlocked(declared() + declared("dev"), "requirements-dev.lock") == [], "run `make lock`"


def test_the_tests_run_on_the_versions_the_demo_and_the_image_install() -> None:
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime, "run `make lock`"
    assert all("--hash=sha256:" in (ROOT / lock).read_text() for lock in LOCKS)


def dry_run(target: str, tmp_path: Path) -> str:
    """What `make TARGET` would run on a fresh clone: no .venv yet."""
    for name in ("Makefile", "pyproject.toml", *LOCKS):
        shutil.copy(ROOT / name, tmp_path / name)
    shown = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True)
    return shown.stdout


def test_make_demo_installs_the_runtime_lock_only_and_shows_it_is_installing(tmp_path: Path) -> None:
    commands = dry_run("demo", tmp_path)
    installs = [line for line in commands.splitlines() if " install " in line]
    assert any("-r requirements.lock" in line for line in installs), commands
    assert not any(re.search(r"requirements-dev\.lock|\[dev\]|pytest|ruff|mypy", line) for line in installs), commands
    assert not any(re.search(r"\s(-q|--quiet)\b", line) for line in installs), commands
    assert "installing oncall-bot's runtime dependencies (first run only)" in commands


def test_make_test_adds_the_dev_lock(tmp_path: Path) -> None:
    assert "-r requirements-dev.lock" in dry_run("test", tmp_path)
