"""The Dockerfile's layout, checked without a Docker engine (none runs on the CI machine).

The image copies the sources, installs the package with `pip install --prefix` (templates are package
data, so nothing is copied by hand), and runs `oncall-bot`. This test repeats those steps as the Dockerfile
states them and runs what got installed: migrations, a Slack text and a web page from the templates.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).parents[2]


def run(arguments: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(arguments, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_image_layout_installs_a_working_oncall_bot(tmp_path: Path) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = re.findall(r"^COPY (\S+) \S+$", dockerfile, flags=re.MULTILINE)
    assert {"pyproject.toml", "bot", "handlers", "storage"} <= set(copied) | {"pyproject.toml"}
    assert "templates" not in set(copied)  # package data since bot/templates: a hand copy would hide a bad wheel
    assert "pip install --no-cache-dir --prefix=/install ." in dockerfile
    assert 'ENTRYPOINT ["oncall-bot"]' in dockerfile

    source, prefix = tmp_path / "src", tmp_path / "install"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in ("bot", "handlers", "storage"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    # --ignore-installed: without it pip would first uninstall the checkout's own editable install
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--ignore-installed", f"--prefix={prefix}"]
    installed = run([*pip, "."], env={"PATH": "/usr/bin:/bin", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, cwd=source)
    assert installed.returncode == 0, installed.stderr
    site = Path(sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)}))

    # the image has the dependencies installed beside the package; here they come from this environment
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{site}:{sysconfig.get_path('purelib')}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}",
    }
    where = run([sys.executable, "-c", "import bot; print(bot.__file__)"], env=env, cwd=tmp_path)
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    upgraded = run([sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=tmp_path)
    assert upgraded.returncode == 0 and "(head)" in upgraded.stdout, upgraded.stderr
    shown = run(
        [
            sys.executable,
            "-c",
            "from bot.slack.texts import render; from handlers.web.render import page; "
            "print(render('slack/help.txt.j2').splitlines()[0]); "
            "print(page('login.html.j2', sign_in=True, bearer=False).status)",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert shown.stdout.splitlines() == ["*/incident* — run incidents from Slack", "200"], shown.stderr
