"""Responders from a schedule: who is on call in it at the moment an incident opens, to invite and to name.

Asked through views.who, as `/oncall who` is, so an override made with `/oncall override` changes who is invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.schedules import views
from bot.schedules.catalog import Rota


@dataclass(frozen=True)
class OnCallNow:
    """A schedule's on-call people at one moment (none in a gap)."""

    schedule: str
    people: tuple[str, ...]

    @property
    def invitees(self) -> list[str]:
        # An e-mail Slack has no user for cannot be invited; it is still named in the channel's first message.
        return [person for person in self.people if "@" not in person]


async def on_call_now(session: AsyncSession, rota: Rota, name: str, *, at: datetime) -> OnCallNow:
    """Who is on call in the named schedule at `at`; an unknown name is a UserError naming the schedules."""
    [answer] = await views.who(session, rota, name, at=at)
    return OnCallNow(answer.schedule.name, answer.people)
