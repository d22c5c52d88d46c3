"""Web sessions: each person signs in with Slack and gets a session of their own, which ends on time or at logout.

A session's key is a random value only the browser holds (its cookie); the database keeps its SHA-256,
so someone who reads the table cannot sign in with it. A session ends when it has not been used for
the idle time, when it reaches its absolute lifetime however busy it is, and at logout: the row is
deleted, so a copy of the cookie opens nothing afterwards.

A sign-in under way is a state (sent to Slack and back, and kept in the browser's cookie, so a callback
the browser did not start is refused) with a nonce the id_token must carry. Each state is used once and
expires after ten minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.errors import SignInRefused, SlackError
from bot.outbox.pacing import Pacer, Rate
from bot.permissions import Permissions
from bot.slack.openid import SlackIdentity, SlackOpenId
from bot.visibility import Viewer
from storage.engine import Database
from storage.queries import web_sessions as queries
from storage.types import utcnow

SIGN_IN_SECONDS = 600  # from leaving for Slack to coming back
# Writing last_seen_at on every page view would make each view a write; a minute is precise enough for hours.
TOUCH_SECONDS = 60
# Sign-in attempts per client address: enough for a person who mistypes, too few to guess anything.
ATTEMPTS = Rate(per_second=10 / 60, burst=10)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class SignInStart:
    url: str  # Slack's authorize page, for this sign-in
    state: str  # for the browser's cookie: the callback must come back with the same


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


class WebSessions:
    def __init__(
        self,
        database: Database,
        permissions: Permissions,
        *,
        openid: SlackOpenId | None,
        team_id: Callable[[], Awaitable[str]],
        lifetimes: Lifetimes,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._database, self._permissions, self._openid = database, permissions, openid
        self._team_id, self.lifetimes, self._clock = team_id, lifetimes, clock
        self._attempts = Pacer(channel_rate=ATTEMPTS, method_rates={})

    @property
    def enabled(self) -> bool:
        """Whether Sign in with Slack is set up (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, WEB_BASE_URL)."""
        return self._openid is not None

    def attempt(self, address: str) -> float:
        """Count one sign-in attempt from `address`: 0 when allowed, else the seconds until the next is."""
        return self._attempts.reserve([address])

    async def start(self) -> SignInStart:
        openid = self._require()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        team = await self._team()
        async with self._database.transaction() as session:
            await queries.add_sign_in(session, _hash(state), nonce, now=self._clock())
        return SignInStart(openid.authorize_url(state=state, nonce=nonce, team=team), state)

    async def finish(self, *, state: str, browser_state: str, code: str) -> tuple[str, SlackIdentity]:
        """A new session's key for the person Slack sent back, or SignInRefused saying why not."""
        openid = self._require()
        if not state or not hmac.compare_digest(state.encode(), browser_state.encode()):
            # A callback this browser did not start: someone else's sign-in, or a link sent to trick it in.
            raise SignInRefused(texts.web.NOT_STARTED_HERE)
        now = self._clock()
        async with self._database.transaction() as session:
            nonce = await queries.take_sign_in(
                session, _hash(state), started_after=now - timedelta(seconds=SIGN_IN_SECONDS)
            )
        if nonce is None:
            raise SignInRefused(texts.web.EXPIRED_OR_USED)
        identity = await openid.identity(code, nonce=nonce)
        if identity.team_id != await self._team():
            raise SignInRefused(texts.web.OTHER_WORKSPACE)
        key = secrets.token_urlsafe(32)
        async with self._database.transaction() as session:
            await queries.forget_expired(
                session,
                seen_before=now - self.lifetimes.idle,
                created_before=now - self.lifetimes.absolute,
                sign_ins_before=now - timedelta(seconds=SIGN_IN_SECONDS),
            )
            await queries.add_session(session, _hash(key), user_id=identity.user_id, team_id=identity.team_id, now=now)
        return key, identity

    async def viewer(self, key: str) -> Viewer | None:
        """Who holds this session key, with what they may see; None once the session has ended."""
        if not key:
            return None
        now, key_hash = self._clock(), _hash(key)
        async with self._database.reading() as session:
            found = await queries.get_session(session, key_hash)
        if found is None:
            return None
        expired = now - found.last_seen_at > self.lifetimes.idle or now - found.created_at > self.lifetimes.absolute
        if expired or now - found.last_seen_at > timedelta(seconds=TOUCH_SECONDS):
            async with self._database.transaction() as session:
                if expired:
                    await queries.end_session(session, key_hash)
                else:
                    await queries.touch_session(session, key_hash, now=now)
        return None if expired else await self._permissions.actor(found.user_id)

    async def end(self, key: str) -> None:
        async with self._database.transaction() as session:
            await queries.end_session(session, _hash(key))

    def _require(self) -> SlackOpenId:
        if self._openid is None:
            raise SignInRefused(texts.web.NOT_SET_UP)
        return self._openid

    async def _team(self) -> str:
        try:
            return await self._team_id()
        except SlackError:
            raise SignInRefused(texts.web.SLACK_UNREACHABLE_AT_START) from None
