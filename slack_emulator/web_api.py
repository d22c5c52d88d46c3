"""The Web API methods oncall-bot uses, with Slack's rules and errors: which family module answers each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_emulator.api.auth import AuthApi
from slack_emulator.api.bookmarks import BookmarksApi
from slack_emulator.api.chat import ChatApi
from slack_emulator.api.conversations import ConversationsApi
from slack_emulator.api.files import FilesApi
from slack_emulator.api.pins import PinsApi
from slack_emulator.api.reactions import ReactionsApi
from slack_emulator.api.usergroups import UsergroupsApi
from slack_emulator.api.users import UsersApi
from slack_emulator.api.views import ViewsApi


class WebApi(
    AuthApi,
    UsersApi,
    UsergroupsApi,
    ConversationsApi,
    ChatApi,
    PinsApi,
    ReactionsApi,
    BookmarksApi,
    ViewsApi,
    FilesApi,
):
    """Every family over one shared core (workspace, bot identity, scopes, trigger ids)."""

    def handle(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        return HANDLERS[method](self, args)


Handler = Callable[[WebApi, dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {
    "apps.connections.open": AuthApi.apps_connections_open,
    "auth.test": AuthApi.auth_test,
    "bookmarks.add": BookmarksApi.bookmarks_add,
    "bookmarks.list": BookmarksApi.bookmarks_list,
    "bookmarks.remove": BookmarksApi.bookmarks_remove,
    "chat.delete": ChatApi.chat_delete,
    "chat.getPermalink": ChatApi.chat_getPermalink,
    "chat.postEphemeral": ChatApi.chat_postEphemeral,
    "chat.postMessage": ChatApi.chat_postMessage,
    "chat.update": ChatApi.chat_update,
    "conversations.archive": ConversationsApi.conversations_archive,
    "conversations.create": ConversationsApi.conversations_create,
    "conversations.history": ConversationsApi.conversations_history,
    "conversations.info": ConversationsApi.conversations_info,
    "conversations.invite": ConversationsApi.conversations_invite,
    "conversations.join": ConversationsApi.conversations_join,
    "conversations.list": ConversationsApi.conversations_list,
    "conversations.members": ConversationsApi.conversations_members,
    "conversations.open": ConversationsApi.conversations_open,
    "conversations.replies": ConversationsApi.conversations_replies,
    "conversations.setPurpose": ConversationsApi.conversations_setPurpose,
    "conversations.setTopic": ConversationsApi.conversations_setTopic,
    "files.completeUploadExternal": FilesApi.files_completeUploadExternal,
    "files.getUploadURLExternal": FilesApi.files_getUploadURLExternal,
    "pins.add": PinsApi.pins_add,
    "pins.remove": PinsApi.pins_remove,
    "reactions.add": ReactionsApi.reactions_add,
    "usergroups.list": UsergroupsApi.usergroups_list,
    "usergroups.users.list": UsergroupsApi.usergroups_users_list,
    "usergroups.users.update": UsergroupsApi.usergroups_users_update,
    "users.info": UsersApi.users_info,
    "users.lookupByEmail": UsersApi.users_lookupByEmail,
    "views.open": ViewsApi.views_open,
    "views.publish": ViewsApi.views_publish,
    "views.update": ViewsApi.views_update,
}
