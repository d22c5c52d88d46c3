"""Who may do what: ONCALL_CONFIG's `permissions`, and the person asking, as services see them.

By default everyone in the workspace may do everything, so a new install locks nobody out. An operator
can limit actions to the incident's commander and the admins (`commander_only`), or to the admins
alone (`admin_only`). Admins are listed by user id and/or by one Slack user group, whose members are
looked up when needed and remembered for a few minutes. Admins also see every private incident
(bot/visibility.py).

Once anything is commander-only, the commander role is itself a power: it is handed over by whoever
holds it or by an admin, and taken by anyone only while nobody holds it. Reopening a resolved incident
undoes a resolution, so it is limited like `resolve`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot import texts
from bot.errors import SlackError, UserError
from bot.visibility import Membership, Viewer

log = logging.getLogger("oncall.permissions")


class Action(StrEnum):
    STATUS = "status"
    RESOLVE = "resolve"
    SEVERITY = "severity"
    ASSIGN = "assign"
    CLOSE = "close"
    RETRO = "retro"  # schedule or cancel retro cadences
    SLO_DIGEST = "slo_digest"  # post the SLO digest on demand
    OVERRIDE = "override"  # create or remove on-call overrides with /oncall override

    @property
    def verb(self) -> str:
        return {
            Action.STATUS: "change the status of",
            Action.RESOLVE: "resolve",
            Action.SEVERITY: "change the severity of",
            Action.ASSIGN: "assign roles in",
            Action.CLOSE: "close",
            Action.RETRO: "schedule or cancel retros",
            Action.SLO_DIGEST: "post the SLO digest",
            Action.OVERRIDE: "override on-call schedules",
        }[self]


class NotAllowed(UserError):
    """A refusal, shown only to the person who asked."""


@dataclass(frozen=True)
class Actor(Viewer):
    """The person asking, with what the operator's permissions say about them, and which incidents they see."""

    commander_only: frozenset[Action] = frozenset()
    admin_only: frozenset[Action] = frozenset()

    def require_admin(self, action: Action) -> None:
        if action in self.admin_only and not self.is_admin:
            raise NotAllowed(texts.permissions.admins_only(action.verb))

    def require_commander(self, action: Action, *, ref: str, commander: str | None) -> None:
        """Commander-only actions: an incident nobody commands yet is open to all (someone must take it)."""
        self.require_admin(action)
        if action not in self.commander_only or self.is_admin or commander in (None, self.user):
            return
        # A refusal names who may, never a way around it.
        raise NotAllowed(texts.permissions.commander_only(ref, commander, action.verb))

    def require_handover(self, *, ref: str, commander: str | None) -> None:
        """Taking or giving the commander role, when being commander lets someone do what others may not."""
        if not self.commander_only or self.is_admin or commander in (None, self.user):
            return
        raise NotAllowed(texts.permissions.handover_only(ref, commander))


# Members of the admin user group are remembered this long, so a click is not a Slack round trip.
GROUP_CACHE_SECONDS = 300.0


class Permissions:
    def __init__(
        self,
        *,
        admins: frozenset[str],
        admin_usergroup: str | None,
        commander_only: frozenset[Action],
        admin_only: frozenset[Action],
        group_members: Callable[[str], Awaitable[list[str]]] | None = None,
        membership: Membership | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._admins = admins
        self._usergroup = admin_usergroup
        self._commander_only = commander_only
        self._admin_only = admin_only
        self._group_members = group_members
        self._clock = clock
        self._members: tuple[float, frozenset[str]] | None = None
        self.membership = membership or Membership(None)

    async def actor(self, user: str) -> Actor:
        # Admins matter even without limits: they see private incidents.
        is_admin = user in self._admins or user in await self._group()
        return Actor(
            user=user,
            is_admin=is_admin,
            membership=self.membership,
            commander_only=self._commander_only,
            admin_only=self._admin_only,
        )

    async def _group(self) -> frozenset[str]:
        if self._usergroup is None or self._group_members is None:
            return frozenset()
        now = self._clock()
        if self._members is None or now - self._members[0] > GROUP_CACHE_SECONDS:
            try:
                self._members = (now, frozenset(await self._group_members(self._usergroup)))
            except SlackError as exc:  # the listed admins still count; the group is asked again next time
                log.warning("permissions.admin_group_unavailable usergroup=%s error=%s", self._usergroup, exc.error)
                return frozenset()
        return self._members[1]
