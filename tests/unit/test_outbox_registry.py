"""The outbox's registry: every Effect has exactly one performer, or the bot is not built at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alertmanager.client import AlertmanagerClient
from bot.alertmanager.effects import SilenceEffects
from bot.alerts.effects import AlertEffects
from bot.config.schema import OncallConfig
from bot.home.effects import HomeEffects
from bot.home.views import HomeRenderer
from bot.incidents.effects import IncidentEffects
from bot.maintenance.effects import MaintenanceEffects
from bot.outbox import Effect
from bot.outbox.registry import MissingPerformer, Performer, Registry
from bot.pagers.effects import PagerEffects
from bot.pagers.http import PagerHttp
from bot.permissions import Permissions
from bot.postmortem.effects import PostmortemEffects
from bot.postmortem.service import Postmortems
from bot.reports.effects import ReportEffects
from bot.schedules.catalog import Catalog
from bot.schedules.effects import ScheduleEffects
from bot.slack.effects import MessageEffects
from bot.slack.gateway import SlackGateway, build_client
from bot.slo.digest import DigestRenderer
from bot.slo.effects import SloEffects
from bot.visibility import Membership
from storage.engine import Database


@pytest.fixture
async def groups(tmp_path: Path) -> AsyncIterator[list[dict[Effect, Performer]]]:
    """Every domain's performers, built as the app builds them (nothing is called on Slack or the database)."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'oncall.db'}")
    gateway = SlackGateway(build_client(token="xoxb-unused", base_url="http://127.0.0.1:9/api/"))
    permissions = Permissions(
        admins=frozenset(),
        admin_usergroup=None,
        commander_only=frozenset(),
        admin_only=frozenset(),
        group_members=gateway.usergroup_members,
        membership=Membership(gateway.channel_members),
    )
    zone = ZoneInfo("UTC")
    yield [
        IncidentEffects(gateway, database, announce_channel="#incidents").performers(),
        AlertEffects(gateway, database).performers(),
        PostmortemEffects(gateway, database, Postmortems(database, zone=zone, gateway=gateway)).performers(),
        SloEffects(gateway, DigestRenderer(database, [], zone=zone)).performers(),
        ReportEffects(gateway, database, OncallConfig(), Catalog([], zone)).performers(),
        HomeEffects(gateway, HomeRenderer(database, [], zone=zone, permissions=permissions)).performers(),
        MessageEffects(gateway).performers(),
        ScheduleEffects(gateway).performers(),
        MaintenanceEffects(gateway, database).performers(),
        SilenceEffects(AlertmanagerClient(), gateway, database, []).performers(),
        PagerEffects(PagerHttp(), events_url="http://127.0.0.1:9/v2/enqueue", dedup_prefix="oncall-bot").performers(),
    ]
    await database.dispose()


def test_every_effect_is_performed_by_one_domain(groups: list[dict[Effect, Performer]]) -> None:
    Registry(*groups)
    performed = [effect for group in groups for effect in group]
    assert sorted(performed) == sorted(Effect)


def test_an_effect_nobody_performs_stops_the_app_being_built(groups: list[dict[Effect, Performer]]) -> None:
    without_messages = [group for group in groups if Effect.MESSAGE not in group]
    with pytest.raises(MissingPerformer, match=r"no performer for the outbox effects message$"):
        Registry(*without_messages)


def test_an_effect_performed_twice_stops_the_app_being_built(groups: list[dict[Effect, Performer]]) -> None:
    messages = next(group for group in groups if Effect.MESSAGE in group)
    with pytest.raises(ValueError, match="two performers for the outbox effect message"):
        Registry(*groups, messages)
