"""The outbox's own pacing: which budget an effect spends, and how a budget refills."""

from __future__ import annotations

from bot.outbox import Effect
from bot.outbox.pacing import CHAT_UPDATE, Pacer, Rate, budgets_of
from storage.tables import OutboxEntry


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def entry(kind: Effect, *, incident_id: int | None = None, **payload: object) -> OutboxEntry:
    return OutboxEntry(incident_id=incident_id, lane=None, kind=kind.value, payload=payload)


def test_each_effect_spends_its_channels_budget_and_redraws_spend_chat_update() -> None:
    assert budgets_of(entry(Effect.POST, incident_id=7)) == ("incident:7",)
    assert budgets_of(entry(Effect.SYNC_ALERTS, incident_id=7)) == ("incident:7", CHAT_UPDATE)
    assert budgets_of(entry(Effect.SYNC_ALERT_GROUP, group_id=3, channel="#alerts")) == (
        "channel:alerts",
        CHAT_UPDATE,
    )
    assert budgets_of(entry(Effect.MESSAGE, to="#sre-managers", text="hi")) == ("channel:sre-managers",)
    # Every incident is announced in the same channel: one budget for all their announcements.
    assert budgets_of(entry(Effect.ANNOUNCE, incident_id=1)) == budgets_of(entry(Effect.ANNOUNCE, incident_id=2))
    # Creating a channel or inviting people writes no message: nothing to pace per channel.
    assert budgets_of(entry(Effect.CREATE_CHANNEL, incident_id=7)) == ()
    assert budgets_of(entry(Effect.INVITE, incident_id=7)) == ()


def test_a_channel_gets_its_burst_then_one_call_a_second() -> None:
    clock = FakeClock()
    pacer = Pacer(channel_rate=Rate(per_second=1.0, burst=3), clock=clock)
    assert [pacer.reserve(["channel:alerts"]) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert pacer.reserve(["channel:alerts"]) == 1.0
    assert pacer.reserve(["channel:other"]) == 0.0  # another channel has its own budget
    clock.now += 0.5
    assert pacer.reserve(["channel:alerts"]) == 0.5
    clock.now += 0.5
    assert pacer.reserve(["channel:alerts"]) == 0.0


def test_a_call_waits_for_every_budget_it_needs_and_spends_none_while_waiting() -> None:
    clock = FakeClock()
    pacer = Pacer(
        channel_rate=Rate(per_second=1.0, burst=5),
        method_rates={CHAT_UPDATE: Rate(per_second=0.5, burst=1)},
        clock=clock,
    )
    assert pacer.reserve(["channel:alerts", CHAT_UPDATE]) == 0.0
    assert pacer.reserve(["channel:alerts", CHAT_UPDATE]) == 2.0  # chat.update's budget is the short one
    # The refused call spent nothing: the channel still has 4 posts to give.
    assert [pacer.reserve(["channel:alerts"]) for _ in range(4)] == [0.0] * 4


def test_a_429_holds_the_budget_back_for_its_retry_after() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock)
    pacer.hold_off("channel:alerts", 30)
    assert pacer.reserve(["channel:alerts"]) == 30.0
    clock.now += 30
    assert pacer.reserve(["channel:alerts"]) == 0.0


def test_buckets_of_quiet_channels_are_forgotten() -> None:
    clock = FakeClock()
    pacer = Pacer(clock=clock, max_buckets=10)
    for number in range(50):
        pacer.reserve([f"channel:c{number}"])
        clock.now += 10  # each bucket is full again by the time the next channel posts
    assert len(pacer._buckets) <= 10
