"""The Dockerfile and docker-compose.yml, checked without a Docker engine (none runs on the CI machine).

The image installs the wheel with the locked dependencies and carries nothing else of the checkout, so it runs
what tests/e2e/test_wheel_install.py proves a wheel runs; compose starts it beside PostgreSQL once that is healthy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
PORT = "8080"


def stages() -> list[str]:
    """The Dockerfile's stages, each from its FROM line, comments and continuations joined."""
    text = re.sub(r"^\s*#.*\n", "", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE).replace("\\\n", " ")
    return ["FROM" + stage for stage in re.split(r"^FROM", text, flags=re.MULTILINE)[1:]]


def instructions(stage: str, name: str) -> list[str]:
    return re.findall(rf"^{name} (.+)$", stage, flags=re.MULTILINE)


def test_the_image_is_the_wheel_installed_with_the_locked_dependencies() -> None:
    build, runtime = stages()
    run = " ".join(instructions(build, "RUN"))
    assert "pip wheel --no-cache-dir --no-deps --wheel-dir /wheels ." in run
    assert "--require-hashes -r requirements.lock" in run
    assert re.search(r"pip install [^&]*--no-deps /wheels/\S+\.whl", run), run
    assert "requirements.lock" in " ".join(instructions(build, "COPY"))

    # The runtime stage takes the installed virtualenv from the build stage and nothing from the checkout:
    # a hand copy of templates or sources would hide a wheel that lacks them.
    copies = instructions(runtime, "COPY")
    assert copies == ["--from=build /opt/oncall-bot /opt/oncall-bot"]
    assert "PATH=/opt/oncall-bot/bin:$PATH" in runtime
    assert instructions(runtime, "ENTRYPOINT") == ['["oncall-bot"]'] and instructions(runtime, "CMD") == ['["serve"]']


def test_the_image_listens_on_8080_and_checks_its_health_there() -> None:
    runtime = stages()[-1]
    assert f"PORT={PORT}" in " ".join(instructions(runtime, "ENV"))
    assert instructions(runtime, "EXPOSE") == [PORT]
    [healthcheck] = instructions(runtime, "HEALTHCHECK")
    assert "os.environ['PORT']" in healthcheck and "/healthz" in healthcheck  # follows PORT when it is changed


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services: dict[str, Any] = loaded["services"]
    return services


def test_compose_starts_the_bot_once_postgresql_is_healthy() -> None:
    services = compose()
    postgres, bot = services["postgres"], services["bot"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert bot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert bot["build"] == "." and bot["env_file"] == ".env"
    database_url = bot["environment"]["DATABASE_URL"]
    assert database_url.startswith("postgresql+asyncpg://oncall:") and database_url.endswith("@postgres:5432/oncall")
    # the password is the one PostgreSQL was given, and compose refuses to start without it
    assert postgres["environment"]["POSTGRES_PASSWORD"] in database_url
    assert ":?" in postgres["environment"]["POSTGRES_PASSWORD"]


def test_compose_publishes_the_port_the_bot_listens_on() -> None:
    bot = compose()["bot"]
    assert bot["environment"]["PORT"] == PORT  # wins over a PORT left in .env
    assert bot["ports"] == [f"{PORT}:{PORT}"]


def test_the_deployment_doc_installs_and_publishes_as_the_image_does() -> None:
    doc = (ROOT / "docs" / "deployment.md").read_text()
    assert "pip install --require-hashes -r requirements.lock" in doc and "pip install --no-deps ." in doc
    published = re.findall(r"-p (\d+):(\d+)", doc)
    assert published and all(inside == PORT for _, inside in published)
    assert "docker compose up" in doc and "POSTGRES_PASSWORD" in doc
