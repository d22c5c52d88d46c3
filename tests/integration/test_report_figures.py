"""The figures of a report, checked against November 2026 worked out by hand (docs/reports.md, worked example).

Bot zone Europe/Madrid; Bob lives in New York, whose clocks went back at 02:00 on 1 November 2026, so his
pages on 2 and 3 November are read in EST (UTC-5): an hour off would move two of them across a boundary.
Cat's zone is unknown: her page is read in the bot's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.schema import parse_config
from bot.reports.period import between
from bot.reports.report import Report, build, gather
from bot.schedules.catalog import Catalog
from storage.engine import Database
from storage.enums import Severity, Status
from storage.tables import (
    Alert,
    AlertGroup,
    Escalation,
    FollowUp,
    Incident,
    OncallOverride,
    Page,
    SlackUser,
    SloEvaluation,
)

MADRID = ZoneInfo("Europe/Madrid")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CONFIG = """
timezone: Europe/Madrid
schedules:
  - name: primary
    layers:
      - name: weekly
        users: [U0ANA, U0BOB]
        start: 2026-10-26T00:00
        rotation: 1w
"""
M = timedelta(minutes=1)
H = timedelta(hours=1)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def incident(number: int, severity: Severity, service: str, declared: datetime, **times: datetime) -> Incident:
    row = Incident(
        id=number,
        title=f"Incident {number}",
        severity=severity,
        status=Status.RESOLVED if "resolved_at" in times else Status.INVESTIGATING,
        service=service,
        declared_by="U0ANA",
        declared_at=declared,
        updated_at=NOW,  # never read: a report that used it would be off everywhere
    )
    for name, value in times.items():
        setattr(row, name, value)
    return row


def alert(number: int, rule: str, service: str, fired: int, incident_id: int | None, last: datetime) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=f"f{number}",
        status="firing",
        labels={"alertname": rule, "service": service},
        summary=rule,
        starts_at=last,
        group_id=1,
        incident_id=incident_id,
        fired_count=fired,
        first_received_at=last - H,
        last_received_at=last,
    )


def follow_up(
    incident_id: int, number: int, owner: str, *, due: date | None = None, done: datetime | None = None
) -> FollowUp:
    return FollowUp(
        incident_id=incident_id,
        number=number,
        text=f"fix {incident_id}.{number}",
        owner=owner,
        due=due,
        state="done" if done else "open",
        created_by="U0ANA",
        created_at=at(11, 3) if incident_id != 5 else at(10, 16),
        done_at=done,
    )


def evaluation(slo: str, service: str, when: datetime, status: str) -> SloEvaluation:
    return SloEvaluation(slo=slo, service=service, at=when, objective=0.999, window_seconds=2419200, status=status)


async def store_the_month(database: Database) -> None:
    async with database.transaction() as session:
        session.add_all(
            [
                incident(
                    1,
                    Severity.SEV1,
                    "payments",
                    at(11, 3, 10),
                    acknowledged_at=at(11, 3, 10, 5),
                    mitigated_at=at(11, 3, 10, 30),
                    resolved_at=at(11, 3, 12),
                    postmortem_drafted_at=at(11, 5),
                    closed_at=at(11, 6),
                ),
                incident(
                    2,
                    Severity.SEV2,
                    "payments",
                    at(11, 10, 8),
                    acknowledged_at=at(11, 10, 8, 15),
                    resolved_at=at(11, 10, 12),
                    postmortem_drafted_at=at(11, 20),
                ),
                incident(
                    3, Severity.SEV2, "search", at(11, 20), acknowledged_at=at(11, 20, 0, 10), resolved_at=at(11, 20, 1)
                ),
                incident(4, Severity.SEV3, "search", at(11, 29, 12), acknowledged_at=at(11, 29, 13)),
                incident(
                    5,
                    Severity.SEV1,
                    "payments",
                    at(10, 15, 10),
                    acknowledged_at=at(10, 15, 10, 20),
                    resolved_at=at(10, 15, 16),
                    postmortem_drafted_at=at(10, 16),
                ),
                incident(
                    6,
                    Severity.SEV2,
                    "payments",
                    at(10, 31, 20),
                    acknowledged_at=at(10, 31, 20, 30),
                    resolved_at=at(11, 1, 2),
                    postmortem_drafted_at=at(11, 6, 1),
                ),
            ]
        )
        await session.flush()
        secret = await session.get(Incident, 3)
        assert secret is not None
        secret.is_private, secret.title = True, "Secret breach at the vault"
        session.add(AlertGroup(id=1, source="alertmanager", group_key="g", channel="#alerts"))
        await session.flush()
        session.add_all(
            [
                alert(1, "HighLatency", "payments", 4, 1, at(11, 3, 10)),
                alert(2, "HighLatency", "payments", 1, 1, at(11, 3, 11)),
                alert(3, "DiskFull", "search", 2, None, at(11, 15)),
                alert(4, "OldAlert", "search", 9, None, at(10, 10)),
            ]
        )
        session.add_all(
            [
                follow_up(1, 1, "U0ANA", done=at(11, 10)),
                follow_up(1, 2, "U0ANA", due=date(2026, 11, 20)),
                follow_up(2, 1, "U0BOB", due=date(2026, 12, 15)),
                follow_up(3, 1, "U0BOB", due=date(2026, 11, 30)),
                follow_up(5, 1, "U0ANA", done=at(10, 20)),
            ]
        )
        session.add_all(
            [
                evaluation("checkout-availability", "payments", at(11, 10), "FAIL"),
                evaluation("checkout-availability", "payments", at(11, 30), "PASS"),
                evaluation("search-latency", "search", at(11, 29), "AT_RISK"),
                evaluation("api-errors", "payments", at(11, 28), "FAIL"),
                evaluation("api-errors", "payments", at(12, 1), "PASS"),
            ]
        )
        for number in (1, 3, 6):
            session.add(Escalation(id=number, incident_id=number, policy="p", next_at=NOW, started_by="U0ANA"))
        await session.flush()
        pages = [
            (1, "U0ANA", at(11, 3, 10)),  # 11:00 Madrid, Tuesday: business
            (3, "U0ANA", at(11, 20)),  # 01:00 Madrid: sleep
            (6, "U0BOB", at(11, 1, 5, 30)),  # 01:30 EDT, an hour before the clocks went back: sleep
            (1, "U0BOB", at(11, 2, 12, 30)),  # 07:30 EST, Monday: sleep (08:30 in EDT would be off)
            (1, "U0BOB", at(11, 3, 13, 30)),  # 08:30 EST, Tuesday: off (09:30 in EDT would be business)
            (1, "U0BOB", at(11, 7, 15)),  # 10:00 EST, Saturday: off
            (1, "U0CAT", at(11, 10, 8)),  # zone unknown, so Madrid's 09:00, Tuesday: business
            (6, "U0ANA", at(10, 20, 3)),  # the month before: not counted
        ]
        for incident_id, user, when in pages:
            session.add(
                Page(
                    escalation_id=incident_id,
                    incident_id=incident_id,
                    step=0,
                    round=0,
                    kind="user",
                    target=user,
                    at=when,
                )
            )
        session.add(Page(escalation_id=1, incident_id=1, step=0, round=0, kind="channel", target="C1", at=at(11, 3)))
        session.add_all(
            [
                SlackUser(id="U0ANA", name="Ana", tz="Europe/Madrid"),
                SlackUser(id="U0BOB", name="Bob", tz="America/New_York"),
                SlackUser(id="U0CAT", name="Cat"),
            ]
        )
        # Cat covers Ana for the morning of 12 November (Madrid): 12 hours moved from Ana to Cat.
        session.add(
            OncallOverride(
                schedule="primary", people=["U0CAT"], start_at=at(11, 11, 23), end_at=at(11, 12, 11), created_by="U0ANA"
            )
        )


async def november(database: Database, services: tuple[str, ...] = ()) -> Report:
    config = parse_config(CONFIG)
    period = between("2026-11-01", "2026-11-30", MADRID)
    async with database.reading() as session:
        rota = await Catalog(config.schedules, config.zone).load(session)
        rows = await gather(session, rota, period, services)
    return build(rows, period, zone=MADRID, due_after=timedelta(days=5), now=NOW, services=services)


async def test_incident_times_are_the_month_worked_out_by_hand(database: Database) -> None:
    await store_the_month(database)
    report = await november(database)
    figures = report.current.all
    assert (figures.opened, figures.resolved) == (4, 4)
    # acknowledged in November: 5, 10, 15, 60 minutes (nearest rank: p50 the 2nd, p90 the 4th)
    assert (figures.acknowledge.count, figures.acknowledge.p50, figures.acknowledge.p90) == (4, 10 * M, 60 * M)
    # resolved in November: 1, 2, 4 h, and INC-6's 6 h (declared in October, resolved on 1 November)
    assert (figures.resolve.count, figures.resolve.p50, figures.resolve.p90) == (4, 2 * H, 6 * H)
    assert (figures.mitigate.count, figures.mitigate.p50) == (1, 30 * M)
    before = report.previous.all
    assert (before.opened, before.resolved) == (2, 1)
    assert (before.acknowledge.p50, before.acknowledge.p90, before.resolve.p50) == (20 * M, 30 * M, 6 * H)
    by_severity = report.current.by_severity
    assert {sev: (one.opened, one.resolved) for sev, one in by_severity.items()} == {
        "SEV1": (1, 1),
        "SEV2": (2, 3),
        "SEV3": (1, 0),
    }
    assert report.current.by_service["search"].acknowledge.p90 == 60 * M


async def test_postmortems_follow_ups_rules_and_slos_of_the_month(database: Database) -> None:
    await store_the_month(database)
    report = await november(database)
    pm = report.postmortems
    assert (pm.due, pm.drafted_on_time, pm.drafted_late, pm.overdue, pm.not_yet_due) == (4, 2, 1, 1, 0)
    assert pm.closed_on_time == 1
    owners = [(one.owner, one.done, one.open, one.overdue) for one in report.follow_ups]
    assert owners == [("U0BOB", 0, 1, 1), ("U0ANA", 1, 0, 1)]
    rules = [(r.rule, r.alerts, r.firings, r.incidents, r.flapping) for r in report.rules]
    assert rules == [("HighLatency", 2, 5, 1, True), ("DiskFull", 1, 2, 0, False)]
    assert report.slos.met == ["checkout-availability"]
    assert report.slos.at_risk == ["search-latency"]
    assert report.slos.failed == ["api-errors"]


async def test_on_call_load_reads_each_page_in_the_paged_persons_zone(database: Database) -> None:
    await store_the_month(database)
    report = await november(database)
    load = {one.person: (one.pages, one.business, one.off, one.sleep, one.hours_on_call) for one in report.load}
    assert load == {
        "U0BOB": (4, 0, 2, 2, 360.0),
        "U0ANA": (2, 1, 0, 1, 348.0),
        "U0CAT": (1, 1, 0, 0, 12.0),
    }
    assert [one.person for one in report.load] == ["U0BOB", "U0ANA", "U0CAT"]


async def test_private_incidents_are_counted_without_their_titles(database: Database) -> None:
    await store_the_month(database)
    report = await november(database)
    listed = {line.number: line for line in report.incidents}
    assert sorted(listed) == [1, 2, 3, 4, 6]
    assert listed[3].title == "INC-3 (private)"
    assert listed[3].follow_ups[0].text == ""
    assert listed[3].postmortem == "overdue"


async def test_a_service_report_counts_only_that_services_rows(database: Database) -> None:
    await store_the_month(database)
    report = await november(database, ("search",))
    assert (report.current.all.opened, report.current.all.resolved) == (2, 1)
    assert [r.rule for r in report.rules] == ["DiskFull"]
    assert report.slos.at_risk == ["search-latency"] and report.slos.failed == []
    assert {one.person: one.pages for one in report.load if one.pages} == {"U0ANA": 1}
