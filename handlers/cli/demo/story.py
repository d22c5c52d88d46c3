"""The demo's story: a bad release breaks checkout for twenty minutes, and the bot sees it through.

Times are minutes after the story's start (T0). Declared at T0+2m (the alert), mitigated at T0+21m30s,
resolved at T0+27m30s: the incident's summary says "Duration: 25m", its impact 20 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from handlers.cli.demo.config import SLO_NAME, Cast
from handlers.cli.demo.stage import Stage

ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt while an alert fires
# Four weeks of the SLO job's measurements before the story, one a week standing for the rest: all
# inside the 28-day window the digest's chart draws the next morning.
HISTORY = [timedelta(days=days) for days in (26, 19, 12, 5, 0)]
RUNBOOK = "https://runbooks.example.com/payments/checkout-errors"


def next_morning(start: datetime) -> datetime:
    """09:00 of the day after the story's afternoon (UTC, the demo's time zone)."""
    return datetime.combine((start + timedelta(hours=3)).date() + timedelta(days=1), time(9), tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def checkout_errors(*, starts_at: datetime, ends_at: datetime | None = None) -> dict[str, Any]:
    """The notification Alertmanager sends for the CheckoutErrors rule (webhook payload version 4)."""
    labels = {
        "alertname": "CheckoutErrors",
        "service": "checkout",
        "severity": "critical",
        "team": "payments",
        "instance": "checkout-7f9c4:8080",
        "region": "eu-west-1",
    }
    status = "resolved" if ends_at else "firing"
    alert = {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": "Checkout API returns 500s",
            "description": "5xx responses are 38% of checkout requests in eu-west-1 (threshold 5%) for 1 minute.",
            "runbook_url": RUNBOOK,
        },
        "startsAt": _iso(starts_at),
        "endsAt": _iso(ends_at) if ends_at else ZERO_TIME,
        "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=job%3Acheckout_5xx%3Aratio_rate1m+%3E+0.05",
        "fingerprint": "c4e1f0a9b2d3e5f6",
    }
    return {
        "version": "4",
        "groupKey": '{}/{service="checkout"}:{alertname="CheckoutErrors"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "oncall-bot",
        "groupLabels": {"alertname": "CheckoutErrors"},
        "commonLabels": labels,
        "commonAnnotations": alert["annotations"],
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": [alert],
    }


async def play(stage: Stage, cast: Cast, start: datetime) -> None:
    alice, bob, carol, dana = cast.alice, cast.bob, cast.carol, cast.dana

    def t(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    # --- before: four weeks of measurements, nothing spent ---------------------------------------------
    for ago in HISTORY:
        await stage.evaluate(at=start - ago)
    stage.step(f"The bot has measured SLO *{SLO_NAME}* for four weeks, nothing spent; release v412 goes out")

    # --- the alert opens the incident ----------------------------------------------------------------
    await stage.at(t(2))
    status = await stage.alertmanager(checkout_errors(starts_at=t(1.5)))
    channel = stage.incident_channel(1)
    stage.step(
        f"Alertmanager POSTs *CheckoutErrors* to /webhooks/alertmanager ({status}): INC-1 opens in <#{channel}>, "
        "its runbook bookmarked; alice and bob (the route's responders) are invited"
    )

    await stage.scene(t(3), channel, "alice takes command of INC-1", (alice, f"assign commander <@{alice}>"))

    # --- people talk ---------------------------------------------------------------------------------
    await stage.at(t(4))
    rate = await stage.say(bob, channel, f"Error rate on checkout is 38% since {t(1.5):%H:%M}")
    await stage.join(carol, channel)
    release = await stage.say(carol, channel, f"Release v412 went out at {t(0):%H:%M}")
    await stage.say(alice, channel, "Only EU checkouts fail", thread=rate)
    await stage.edit(bob, channel, rate, f"Error rate on checkout is 41% since {t(1.5):%H:%M}")
    oops = await stage.say(carol, channel, "lunch at 1?")
    await stage.delete(carol, channel, oops)
    await stage.react(alice, channel, release, "pushpin")
    stage.step("bob, carol and alice talk: a thread reply, an edit, a message deleted, a :pushpin: on the release")

    await stage.scene(
        t(6),
        channel,
        "alice makes carol the communications lead and bob the scribe",
        (alice, f"assign comms <@{carol}>"),
        (alice, f"assign scribe <@{bob}>"),
    )

    await stage.scene(
        t(9),
        channel,
        "bob: the cause is identified; rolling back",
        (bob, "status identified Release v412 broke the EU tax lookup"),
        (bob, "note Rolling back to v411"),
    )

    # --- a quiet stretch: the reminder scheduler nudges --------------------------------------------
    await stage.at(t(19.5))
    stage.step("ten minutes without an update: the reminder scheduler's tick nudges the channel")

    await stage.scene(
        t(21.5),
        channel,
        "bob: mitigated, monitoring; alice records the impact",
        (bob, "status monitoring Rollback complete, error rate 0.1%"),
        (alice, "impact 40% of EU checkouts failed for 20 minutes"),
    )

    await stage.at(t(23))
    status = await stage.alertmanager(checkout_errors(starts_at=t(1.5), ends_at=t(22.5)))
    stage.step(f"Alertmanager: CheckoutErrors resolved ({status}); the bot offers to resolve INC-1")

    await stage.scene(t(27.5), channel, "alice resolves INC-1", (alice, "resolve Error rate normal for five minutes"))

    # --- afterwards: postmortem, follow-ups, retro ------------------------------------------------
    await stage.at(t(45))
    await stage.command(bob, channel, "note Root cause: v412 called the EU tax service with a renamed field")
    await stage.command(alice, channel, "note Went well: the alert fired within a minute of the release")
    due = (t(0) + timedelta(days=3)).date().isoformat()
    await stage.command(alice, channel, f"followup add Add a canary stage for EU checkouts <@{carol}> due:{due}")
    idea = await stage.say(carol, channel, "Alert on tax lookup errors per region")
    await stage.react(bob, channel, idea, "white_check_mark")
    stage.step("notes for the postmortem; two follow-ups (one from a :white_check_mark: on a message)")

    await stage.scene(t(48), channel, "alice asks for the postmortem; the bot uploads it", (alice, "postmortem"))

    await stage.at(t(50))
    retros = stage.channel("retros")
    morning = next_morning(start)
    retro_at = morning + timedelta(hours=1)
    await stage.command(
        alice, retros, f"schedule <#{retros}|retros> start={retro_at:%Y-%m-%dT%H:%M} cadence=2w", command="/retro"
    )
    stage.step(f"alice schedules a retro every two weeks from {retro_at:%a %H:%M}")

    # --- the next morning: the weekly digest, then the retro ---------------------------------------
    await stage.at(morning)
    stage.step(f"the weekly SLO digest (its cron) goes to <#{stage.channel('slo-digest')}> with its chart")
    await stage.command(dana, stage.channel("slo-digest"), f"show {SLO_NAME}", command="/slo")

    await stage.at(retro_at)
    stage.step(f"the retro's agenda is posted to <#{retros}>")
