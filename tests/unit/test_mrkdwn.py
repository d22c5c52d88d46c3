"""Text from users and alerts cannot ping @channel or forge links when the bot repeats it."""

from __future__ import annotations

from bot.slack.mrkdwn import escape, escape_keeping_mentions, mention
from bot.slack.texts import render


def test_escape_neutralises_special_mentions_and_links() -> None:
    assert escape("<!channel> & <http://evil|click>") == "&lt;!channel&gt; &amp; &lt;http://evil|click&gt;"


def test_bot_markup_is_not_escaped_twice() -> None:
    assert escape(mention("U123")) == "<@U123>"


def test_templates_escape_every_value_but_keep_the_bots_own_mentions() -> None:
    text = render("slack/note_added.txt.j2", text="<!here> rollback & pray", by="U42")
    assert "<@U42>" in text
    assert "&lt;!here&gt; rollback &amp; pray" in text
    assert "<!here>" not in text


def test_timeline_keeps_user_mentions_but_not_broadcasts() -> None:
    shown = escape_keeping_mentions("ping <@U0ABC|alice> and <!channel>")
    assert shown == "ping <@U0ABC> and &lt;!channel&gt;"
