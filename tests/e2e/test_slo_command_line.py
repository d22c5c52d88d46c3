"""`oncall-bot slo report` and `oncall-bot slo check` as an operator or a CI job runs them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import SQLModel, select

from bot.alerts.ingest import AlertIngestion
from bot.config.schema import load_config
from bot.slo import events
from bot.slo.evaluation import SloEvaluator
from bot.slo.models import SloDefinition
from bot.unit_of_work import unit_of_work
from storage.engine import Database
from storage.tables import Incident
from storage.types import utcnow

REQUESTS_SLO = """
  - name: checkout-requests
    service: checkout
    objective: 99.9%
    window: 7d
    source: {type: events}"""
CONFIG = (
    "slos:"
    + REQUESTS_SLO
    + """
  - name: checkout-errors
    service: checkout
    kind: error_rate
    max_error_rate: 0.5%
    window: 7d
    source: {type: events}
  - name: checkout-latency
    service: checkout
    kind: latency
    threshold: 300ms
    objective: 99%
    window: 7d
    source: {type: events}
"""
)


async def rows_of(database_url: str, *tables: str) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of the tables named (default: all of them), in primary-key order."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            chosen = [table for table in SQLModel.metadata.sorted_tables if not tables or table.name in tables]
            ordered = [(table.name, table.select().order_by(*table.primary_key)) for table in chosen]
            return [(name, [tuple(row) for row in await connection.execute(query)]) for name, query in ordered]
    finally:
        await database.dispose()


def run(*args: str, database_url: str, config: Path | None) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    if config is not None:
        env["ONCALL_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture
def measured(database_url: str, tmp_path: Path) -> Path:
    """A config and a database where checkout answered 99.8 % of requests well (and fast) twenty minutes ago."""
    path = tmp_path / "oncall.yml"
    path.write_text(CONFIG)

    async def fill() -> None:
        database = Database(database_url)
        now = utcnow()
        try:
            async with database.transaction() as session:
                for name, good in (("checkout-requests", 998), ("checkout-errors", 998), ("checkout-latency", 995)):
                    definition = SloDefinition.model_validate(
                        {"name": name, "service": "checkout", "objective": "99%", "source": {"type": "events"}}
                    )
                    measurement = events.EventsIn(good=good, total=1_000, at=now - timedelta(minutes=20))
                    await events.record(session=session, definition=definition, events=measurement, now=now)
        finally:
            await database.dispose()

    asyncio.run(fill())
    return path


def test_slo_report_json_lists_every_slo_with_budget_and_burn_rates(database_url: str, measured: Path) -> None:
    result = run("slo", "report", "--format", "json", database_url=database_url, config=measured)

    assert result.returncode == 0, result.stderr
    reports = {item["name"]: item for item in json.loads(result.stdout)}
    assert set(reports) == {"checkout-requests", "checkout-errors", "checkout-latency"}
    availability = reports["checkout-requests"]
    assert availability["service"] == "checkout"
    assert availability["objective"] == pytest.approx(0.999)
    assert availability["window"] == "1w"
    assert availability["attainment"] == pytest.approx(0.998)
    assert availability["budget_remaining"] == pytest.approx(-1.0)  # 0.2 % errors against 0.1 % allowed
    assert availability["burn_rates"]["1h"] == pytest.approx(2.0)
    assert availability["status"] == "FAIL"
    assert reports["checkout-errors"]["status"] == "PASS"  # 0.2 % ≤ 0.5 %: 60 % of the budget left
    assert reports["checkout-errors"]["budget_remaining"] == pytest.approx(0.6)

    assert asyncio.run(rows_of(database_url, "slo_evaluations")) == [("slo_evaluations", [])]  # the bot stores


def test_slo_report_table_is_readable(database_url: str, measured: Path) -> None:
    result = run("slo", "report", database_url=database_url, config=measured)

    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == ["SLO", "SERVICE", "OBJECTIVE"]
    assert any(row.startswith("checkout-requests") and row.rstrip().endswith("FAIL") for row in rows)


@pytest.mark.parametrize(
    ("thresholds", "exit_code", "lines"),
    [
        (["--availability", "99.5"], 0, ["PASS     availability ≥ 99.5 %"]),
        (["--availability", "99.9"], 1, ["FAIL     availability ≥ 99.9 %"]),
        (["--error-rate", "0.5%"], 0, ["PASS     error rate ≤ 0.5 %"]),
        (["--latency", "300ms@99"], 0, ["PASS     latency 99 % under 300 ms"]),
        (["--latency", "300ms@99.9", "--availability", "99"], 1, ["FAIL     latency", "PASS     availability"]),
        (["--latency", "200ms@99"], 2, ["NO DATA  latency 99 % under 200 ms", "cannot judge 200 ms"]),
    ],
)
def test_slo_check_prints_a_verdict_per_threshold_and_exits_non_zero_on_fail(
    database_url: str, measured: Path, thresholds: list[str], exit_code: int, lines: list[str]
) -> None:
    result = run("slo", "check", "--service", "checkout", *thresholds, database_url=database_url, config=measured)

    assert result.returncode == exit_code, result.stdout + result.stderr
    for line in lines:
        assert line in result.stdout
    assert "Traceback" not in result.stderr


def test_slo_check_without_thresholds_judges_the_services_own_objectives(database_url: str, measured: Path) -> None:
    result = run("slo", "check", "--service", "checkout", database_url=database_url, config=measured)

    assert result.returncode == 1
    assert result.stdout.count("\n") == 3
    assert "FAIL     availability ≥ 99.9 %" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["check", "--service", "nope"], "no SLO is configured for service 'nope'; services with SLOs: checkout"),
        (["check", "--service", "checkout", "--latency", "fast"], "--latency 'fast': write THRESHOLD@PERCENT"),
        (["check", "--service", "checkout", "--availability", "120"], "must lie strictly between 0 and 1"),
        (["check", "--service", "checkout", "--window", "soon"], "--window: 'soon' is not a duration"),
    ],
)
def test_slo_check_mistakes_get_one_clear_line(
    database_url: str, measured: Path, arguments: list[str], message: str
) -> None:
    result = run("slo", *arguments, database_url=database_url, config=measured)

    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_config_with_a_broken_slo_names_the_key(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "oncall.yml"
    path.write_text("slos:\n  - name: checkout\n    service: checkout\n    source: {type: events}\n")

    result = run("slo", "report", database_url=database_url, config=path)

    assert result.returncode == 2
    assert "slos[0]" in result.stderr and "needs an objective" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


BURNING = (
    """
alerts:
  routes:
    - match: {alertname: SLOErrorBudgetBurn}
      severity: {critical: sev2, warning: sev2}
slos:"""
    + REQUESTS_SLO
    + """
  - name: checkout-uptime
    service: checkout
    objective: 99.9%
    window: 7d
    source: {type: incidents}
"""
)


def test_slo_report_and_check_write_nothing_even_while_an_slo_burns_fast(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "oncall.yml"
    path.write_text(BURNING)
    config = load_config(path)

    async def burn() -> None:  # a fifth of checkout's requests failed two minutes ago
        database = Database(database_url)
        try:
            async with database.transaction() as session:
                burst = events.EventsIn(good=800, total=1_000, at=utcnow() - timedelta(minutes=2))
                await events.record(session=session, definition=config.slos[0], events=burst, now=utcnow())
        finally:
            await database.dispose()

    asyncio.run(burn())
    before = asyncio.run(rows_of(database_url))

    report = run("slo", "report", "--format", "json", database_url=database_url, config=path)
    table = run("slo", "report", database_url=database_url, config=path)
    check = run("slo", "check", "--service", "checkout", database_url=database_url, config=path)

    assert report.returncode == 0, report.stderr
    assert table.returncode == 0, table.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    # Each SLO judged with its own SLI: the requests fail, the uptime (no incident yet) passes.
    assert "FAIL     availability ≥ 99.9 %  (measured 80 %; checkout-requests" in check.stdout
    assert "PASS     availability ≥ 99.9 %  (measured 100 %; checkout-uptime" in check.stdout
    [burning] = [item for item in json.loads(report.stdout) if item["name"] == "checkout-requests"]
    assert burning["fast_burn"] and burning["status"] == "FAIL"
    assert asyncio.run(rows_of(database_url)) == before  # no evaluation, alert, incident, outbox entry or timeline

    # The same SLOs in the running bot's evaluation do open the SEV2 the route asks for.
    async def scheduled() -> list[Incident]:
        database = Database(database_url)
        try:
            evaluator = SloEvaluator(
                config.slos, database=database, begin=unit_of_work(database), ingestion=AlertIngestion(config)
            )
            await evaluator.evaluate_and_store(at=utcnow())
            await evaluator.close()
            async with database.transaction() as session:
                return list((await session.exec(select(Incident))).all())
        finally:
            await database.dispose()

    [incident] = asyncio.run(scheduled())
    assert (incident.severity, incident.origin, incident.service) == ("SEV2", "slo", "checkout")
