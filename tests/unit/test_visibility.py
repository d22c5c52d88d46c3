"""The visibility rule's memory of Slack's channel membership: brief, and closed when Slack cannot answer."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import SlackRetryable
from bot.visibility import MEMBERSHIP_CACHE_SECONDS, Membership, Viewer, visible


@dataclass
class Incident:
    is_private: bool = True
    channel_id: str | None = "C1"
    declared_by: str = "U1ALICE"


class Slack:
    """conversations.members as Slack would answer it, counting the calls."""

    def __init__(self, members: list[str]) -> None:
        self.members, self.calls, self.down = members, 0, False

    async def __call__(self, channel: str) -> list[str]:
        self.calls += 1
        if self.down:
            raise SlackRetryable("conversations.members", "http_503")
        return list(self.members)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_someone_removed_without_an_event_loses_sight_within_a_minute() -> None:
    slack, clock = Slack(["U1ALICE", "U2BOB"]), Clock()
    bob = Viewer(user="U2BOB", membership=Membership(slack, clock=clock))
    assert await visible(Incident(), bob)

    slack.members = ["U1ALICE"]  # a Slack admin removed bob; no event reached the bot
    clock.now += MEMBERSHIP_CACHE_SECONDS - 1
    still = await visible(Incident(), bob)
    clock.now += 2

    assert still and not await visible(Incident(), bob)
    assert slack.calls == 2


async def test_when_slack_cannot_say_who_is_in_the_channel_nobody_but_admins_sees_it() -> None:
    slack, clock = Slack(["U2BOB"]), Clock()
    membership = Membership(slack, clock=clock)
    slack.down = True

    assert not await visible(Incident(), Viewer(user="U2BOB", membership=membership))
    assert await visible(Incident(), Viewer(user="U3CAROL", is_admin=True, membership=membership))
    # a burst of lookups during the outage asks Slack once
    for _ in range(10):
        await visible(Incident(), Viewer(user="U2BOB", membership=membership))
    assert slack.calls == 1


async def test_public_incidents_need_no_lookup_and_no_identity() -> None:
    slack = Slack([])

    assert await visible(Incident(is_private=False), Viewer())
    assert not await visible(Incident(), Viewer())  # a web page, which knows nobody
    assert slack.calls == 0


async def test_until_its_channel_exists_only_the_declarer_sees_it() -> None:
    membership = Membership(Slack([]))

    assert await visible(Incident(channel_id=None), Viewer(user="U1ALICE", membership=membership))
    assert not await visible(Incident(channel_id=None), Viewer(user="U2BOB", membership=membership))
