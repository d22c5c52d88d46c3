"""User groups and e-mail look-ups follow Slack's rules: scopes, plans, who may edit, and every error."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slack_emulator import SlackEmulator
from tests.emulator.conftest import refused

OPENAPI = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "slack" / "openapi_users_usergroups.json").read_text()
)
OURS = json.loads(resources.files("slack_emulator").joinpath("methods.json").read_text())["methods"]


def assert_matches_slacks_schema(method: str, response: dict[str, Any]) -> None:
    [operation] = OPENAPI["paths"][f"/{method}"].values()
    schema = {**operation["responses"]["200"]["schema"], "definitions": OPENAPI["definitions"]}
    jsonschema.Draft4Validator(schema).validate(response)  # Swagger 2.0 schemas are JSON Schema draft 4


@pytest.fixture
def people(slack: SlackEmulator) -> dict[str, str]:
    return {
        "alice": slack.add_user("alice", email="Alice.Ng@example.com"),
        "bob": slack.add_user("bob"),
        "carol": slack.add_user("carol"),
    }


def test_each_method_needs_the_scope_slacks_reference_names() -> None:
    for path, operations in OPENAPI["paths"].items():
        [operation] = operations.values()
        [security] = operation["security"]
        assert [OURS[path.lstrip("/")]["scope"]] == security["slackAuth"], path


async def test_usergroups_list_shows_users_counts_and_disabled_groups_only_when_asked(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    oncall = slack.add_usergroup("payments-oncall", name="Payments on call", users=[people["alice"]])
    old = slack.add_usergroup("old-team", users=[people["bob"]])
    slack.disable_usergroup(old)

    plain = (await client.usergroups_list()).data
    assert isinstance(plain, dict)
    assert_matches_slacks_schema("usergroups.list", plain)
    [group] = plain["usergroups"]
    assert (group["id"], group["handle"], group["name"], group["date_delete"]) == (
        oncall,
        "payments-oncall",
        "Payments on call",
        0,
    )
    assert "users" not in group and "user_count" not in group

    everything = (await client.usergroups_list(include_users=True, include_count=True, include_disabled=True)).data
    assert isinstance(everything, dict)
    assert_matches_slacks_schema("usergroups.list", everything)
    by_handle = {group["handle"]: group for group in everything["usergroups"]}
    assert by_handle["payments-oncall"]["users"] == [people["alice"]] and by_handle["old-team"]["user_count"] == 1
    assert by_handle["old-team"]["date_delete"] > 0


async def test_usergroups_users_list_answers_members_and_no_such_subteam(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    group = slack.add_usergroup("db-oncall", users=[people["bob"], people["carol"]])
    listed = (await client.usergroups_users_list(usergroup=group)).data
    assert isinstance(listed, dict)
    assert_matches_slacks_schema("usergroups.users.list", listed)
    assert listed["users"] == [people["bob"], people["carol"]]
    assert await refused(client.usergroups_users_list(usergroup="S0NOPE")) == "no_such_subteam"
    slack.disable_usergroup(group)
    assert await refused(client.usergroups_users_list(usergroup=group)) == "no_such_subteam"
    disabled = await client.usergroups_users_list(usergroup=group, include_disabled=True)
    assert disabled["users"] == [people["bob"], people["carol"]]


async def test_usergroups_users_update_replaces_the_members_and_records_each_change(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    group = slack.add_usergroup("db-oncall", users=[people["alice"]])
    updated = (await client.usergroups_users_update(usergroup=group, users=[people["bob"], people["carol"]])).data
    assert isinstance(updated, dict)
    assert_matches_slacks_schema("usergroups.users.update", updated)
    assert updated["usergroup"]["users"] == [people["bob"], people["carol"]]
    assert updated["usergroup"]["updated_by"] == slack.bot_user_id
    # slack_sdk joins a list with commas; a plain comma-separated string is the same call
    counted = await client.usergroups_users_update(usergroup=group, users=f"{people['carol']}", include_count=True)
    assert counted["usergroup"]["user_count"] == 1
    await client.usergroups_users_update(usergroup=group, users=[people["carol"]])  # no change: nothing recorded
    assert slack.usergroup_members(group) == [people["carol"]]
    assert slack.usergroup_history(group) == [[people["alice"]], [people["bob"], people["carol"]], [people["carol"]]]


async def test_usergroups_users_update_errors(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    group = slack.add_usergroup("db-oncall", users=[people["alice"]])
    assert await refused(client.usergroups_users_update(usergroup="S0NOPE", users=[people["bob"]])) == (
        "no_such_subteam"
    )
    assert await refused(client.usergroups_users_update(usergroup=group, users=[])) == "no_users_provided"
    assert await refused(client.usergroups_users_update(usergroup=group, users=",")) == "no_users_provided"
    assert await refused(client.usergroups_users_update(usergroup=group, users=["U0NOBODY"])) == "invalid_users"
    assert await refused(client.usergroups_users_update(usergroup=group, users=[slack.bot_user_id])) == (
        "invalid_users"  # bots may not be in a user group
    )
    slack.deactivate_user(people["carol"])
    assert await refused(client.usergroups_users_update(usergroup=group, users=[people["carol"]])) == ("invalid_users")
    slack.set_usergroup_editors("admins")
    assert await refused(client.usergroups_users_update(usergroup=group, users=[people["bob"]])) == (
        "permission_denied"
    )
    assert slack.usergroup_history(group) == [[people["alice"]]]  # no refused call changed anything


async def test_a_plan_without_user_groups_answers_plan_upgrade_required(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    group = slack.add_usergroup("db-oncall", users=[people["alice"]])
    slack.set_plan("free")
    assert await refused(client.usergroups_list()) == "plan_upgrade_required"
    assert await refused(client.usergroups_users_list(usergroup=group)) == "plan_upgrade_required"
    assert await refused(client.usergroups_users_update(usergroup=group, users=[people["bob"]])) == (
        "plan_upgrade_required"
    )


@pytest.mark.parametrize(
    ("scope", "method", "args"),
    [
        ("usergroups:read", "usergroups.list", {}),
        ("usergroups:read", "usergroups.users.list", {"usergroup": "S0ANY"}),
        ("usergroups:write", "usergroups.users.update", {"usergroup": "S0ANY", "users": "U0ANY"}),
        ("users:read.email", "users.lookupByEmail", {"email": "alice@example.com"}),
    ],
)
async def test_each_method_without_its_scope_answers_missing_scope(
    slack: SlackEmulator, client: AsyncWebClient, scope: str, method: str, args: dict[str, str]
) -> None:
    slack.scopes.discard(scope)
    with pytest.raises(SlackApiError) as caught:
        await client.api_call(method, params=args)
    response = caught.value.response
    assert (response["error"], response["needed"]) == ("missing_scope", scope)
    assert scope not in response["provided"].split(",")


async def test_users_lookup_by_email_finds_people_whatever_the_case_but_not_deactivated_ones(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    found = await client.users_lookupByEmail(email="alice.ng@EXAMPLE.com")
    assert found["user"]["id"] == people["alice"] and found["user"]["profile"]["email"] == "Alice.Ng@example.com"
    assert (await client.users_lookupByEmail(email="bob@example.com"))["user"]["id"] == people["bob"]
    assert await refused(client.users_lookupByEmail(email="nobody@example.com")) == "users_not_found"
    slack.deactivate_user(people["bob"])
    assert await refused(client.users_lookupByEmail(email="bob@example.com")) == "users_not_found"
    assert await refused(client.api_call("users.lookupByEmail", params={})) == "invalid_arguments"


async def test_users_info_shows_the_email_only_with_users_read_email(
    slack: SlackEmulator, client: AsyncWebClient, people: dict[str, str]
) -> None:
    assert (await client.users_info(user=people["bob"]))["user"]["profile"]["email"] == "bob@example.com"
    slack.scopes.discard("users:read.email")
    assert "email" not in (await client.users_info(user=people["bob"]))["user"]["profile"]
