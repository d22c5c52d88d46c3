"""How often the bot called Slack about each channel, from the calls the emulator recorded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bench.bot_process import Call

# Rates are judged over a sliding window this long: Slack allows short bursts, what matters is the pace.
# https://api.slack.com/apis/rate-limits ("1 message per second per channel, short bursts allowed")
WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class ChannelPace:
    channel: str  # "#name" when the emulator knows it, else the id
    calls: int
    rate_limited: int  # of them, answered 429
    peak_per_second: float  # the most calls in any WINDOW_SECONDS, per second
    busiest_second: int  # the most calls in any one second


def channel_paces(calls: Sequence[Call], names: dict[str, str]) -> list[ChannelPace]:
    """Each channel's pace, busiest first; calls about no channel (auth.test, conversations.create…) are left out."""
    by_channel: defaultdict[str, list[Call]] = defaultdict(list)
    for call in calls:
        if call.channel is not None:
            by_channel[call.channel].append(call)
    paces = []
    for channel, its_calls in by_channel.items():
        stamps = sorted(call.at for call in its_calls)
        paces.append(
            ChannelPace(
                channel=f"#{names[channel]}" if channel in names else channel,
                calls=len(stamps),
                rate_limited=sum(call.http_status == 429 for call in its_calls),
                peak_per_second=most_within(stamps, WINDOW_SECONDS) / WINDOW_SECONDS,
                busiest_second=most_within(stamps, 1.0),
            )
        )
    return sorted(paces, key=lambda pace: (-pace.peak_per_second, -pace.calls))


def most_within(stamps: Sequence[float], seconds: float) -> int:
    """The most of the sorted `stamps` that fall within any `seconds`-long window."""
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most
