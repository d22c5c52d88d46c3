"""The prose of docs/benchmarks.md; the runner adds the run's facts, the results table and the profiles."""

from __future__ import annotations

INTRO = """\
# Benchmarks

Run them with `make bench` (about 8 minutes; `python -m bench --only timeline` runs one benchmark,
`--no-write` leaves this file alone, `--no-profile` skips the profiles). The runner starts every
target as its own process on 127.0.0.1, drives it with an asyncio load generator (one aiohttp
connection pool, 32 concurrent senders, closed loop) and regenerates this file: do not edit it by
hand, edit `bench/texts.py` instead.

Every number below depends on the machine, so each row also measures a **baseline**, the least a
server could do for the same request, in the same run, on the same machine, under the same load.
Targets are ratios of the bot's throughput to that baseline: compare ratios across runs, not
requests per second. The bot runs as `oncall-bot serve` does (log level INFO, aiohttp's access log
on, a fresh database) with the bundled Slack emulator in a third process; baselines log nothing.

**Noise.** The machine has 2 cores, shared by the load generator, the target, the emulator and
whatever else runs there (other developers' test suites, often): absolute numbers move by half
between runs, and the load average below says how busy it was. So the Slack benchmarks run bare bolt
and the bot side by side and alternate them in 3 rounds (A B, B A, A B; 1 s warm-up and 4 s measured
each): a row's ratio is the median of the 3 per-round ratios, and its notes give their spread.

- **Alertmanager webhook**: 200 distinct groups of 5 firing alerts (one group in ten critical), sent
  round and round with `Authorization: Bearer …`, so most deliveries are resends that change nothing,
  as with Alertmanager's `group_interval`. Each group is first delivered once (its rate is in the
  notes: that is the path that stores alerts and opens incidents), then 2 s of warm-up and 8 s
  measured, the steady state of resends. Baseline: a bare aiohttp handler that parses the JSON and
  answers. A row meets its target only if no request failed and the `alerts` table holds every
  distinct alert acknowledged ("stored N/N").
- **Slash command ack**: the same signed slash command, as Slack sends it (form-encoded body,
  `X-Slack-Request-Timestamp`, `X-Slack-Signature` = v0 HMAC-SHA256 of `v0:timestamp:body` with the
  signing secret; signed just before each round), from 3 people in turn, each request with its own
  `trigger_id`. Baseline: **bare bolt**, an `AsyncApp` served the way the bot serves it (aiohttp,
  `POST /slack/events`, bolt's aiohttp adapter, `process_before_response=True`, the same token and
  signing secret) whose listener only calls `ack()`. The target is about `/incident help`: the
  cheapest real command, it reads no database, so its ratio is the price of what the bot adds to
  every ack (its bolt middleware, the command router, rendering the reply, the ack-time metric, the
  access log). `/incident list`, which a responder runs first when paged, is measured on each
  database too, with 3 open incidents to list: it adds one read transaction to the ack. A row meets
  its target only if the bot's first answer, read in full, is the help text or lists the 3 incidents.
- **Timeline capture**: an incident is declared first (`/incident declare`, and its channel created
  through the emulator), then signed `message` event_callback envelopes from 4 people in its
  channel, each with its own `event_id` and `ts`, so every one is a new message. Baseline: bare bolt
  acking the same envelopes. A row meets its target only if the `timeline_entries` table holds one
  message entry per distinct event the bot acknowledged ("stored N/N").
- **Alert storm**: 5,000 alerts in 60 s, the issue's figure, not scaled down: 100 Alertmanager groups
  of 50 (the webhook benchmark's fleet, so one group in ten is critical and opens an incident; the
  rest are posted in `#alerts`), every alert starting at its own moment within the first 50 s, each
  group notified every 10 s (its `group_interval`, scaled down) with all its alerts firing by then,
  open loop: each notification goes out when due, answered or not. Measured: when every alert was
  stored; when every incident, the storm incident included, was up to date in Slack (no outbox
  entry of an incident pending); when the bot owed Slack nothing more; every Web API call the
  emulator answered (it enforces Slack's rate limits: one message per second per channel with short
  bursts, and each method's tier per workspace), and for each channel its busiest 10 s. The wait
  for the bot to catch up is cut off 30 s after the last alert, to keep the run short. There is no
  baseline: the target is absolute, fewer than 2 calls per second to any one channel.
- **Memory**: VmRSS (from /proc) of the `oncall-bot serve` process of the storm, once started and
  idle, and after the storm. Target: under 150 MB (MiB here).
- **Postmortem render**: the Markdown postmortem of a 10,000-message incident on SQLite, in the
  runner's process, median of 5 renders. Baseline: reading the same rows with `sqlite3` and joining
  one line per row. Target: under 0.5 s.

Latencies are per request as a sender sees them, p50 / p99 in milliseconds."""

ANALYSIS = """\
## Targets missed, and why

Written by hand from the profiles below and from experiments on 2026-12-01; update it when they change.
"Outside" means outside the files the benchmark work could change: the fix is described, not made.

- **Slash command ack, `/incident help`**: p99 met, ratio missed. The bot does about twice bare
  bolt's work per ack, and the largest single part of the difference is aiohttp's access log:
  `oncall-bot serve` calls `web.run_app` with its default access logger, one formatted INFO line per
  request through the bot's redacting handler. Started with `access_log=None` instead (a wrapper
  around `bot.cli` for the experiment, 3 interleaved runs each), the bot acked about 4,300 commands
  per second instead of 3,100 (+39 %): a ratio of about 0.6 in the run above. The rest is rendering the
  help template, the ack-time histogram, the `request_context` and `json_errors` middleware and the
  Slack route (bot/cli.py, bot/app.py, handlers/slack/incident_command.py: outside). Fix: no access
  log by default (the bot logs what it does anyway) or a setting for it, and a cheaper log format.
- **Slash command ack, `/incident list`**: ratio and p99 missed by far; one read transaction takes a
  5 ms ack to 100–200 ms at 32 concurrent commands. On SQLite every transaction, reads included,
  waits for one process-wide lock and begins with `BEGIN IMMEDIATE` (storage/engine.py), so the
  commands run one at a time. `incidents.list_open` reads the open incidents and then each one's
  roles (1 + N queries, bot/incidents/service.py), and each statement is a round trip through
  aiosqlite's thread or asyncpg, plus `pool_pre_ping`'s round trip per PostgreSQL transaction
  (outside, all three). Fixes: read-only transactions that skip the write lock and `BEGIN IMMEDIATE`,
  the roles of all listed incidents in one query, `pool_recycle` rather than a ping per checkout.
- **Timeline capture**: missed; the ratio went from 0.05 to 0.09 before this work to 0.43 to 0.6
  now (see "Changes made"), lower when the machine is quiet, as bare bolt then gains the most. Per
  message the bot still spends about twice bare bolt's time. About 50 µs of the difference is the
  database: one INSERT per batch of messages through SQLAlchemy, and on SQLite the hand-offs between
  the event loop and aiosqlite's thread that each statement, `BEGIN IMMEDIATE`, `COMMIT` and the
  pool's reset cost (they also show as event-loop scheduling). The rest is spread thin: bolt's
  dispatch with the bot's many listeners and its middleware, the aiohttp middleware and Slack route,
  the access log (the bot was 11 % faster without it). Reaching 0.6 on a quiet machine takes about
  100 µs less per message: no access log and a cheaper Slack route give part of it; the database part
  needs transactions without SQLite's write lock or a driver without a thread hand-off per call
  (storage/engine.py, bot/app.py, bot/cli.py: outside).
- **Alert storm**: calls per channel missed by far, in `#alerts`. Every alert was stored as it came,
  and the 10 critical groups opened 5 incidents and then the storm incident, as designed: each of
  their channels got under 1 call per second. But each of the 90 warning groups has a message of its
  own in `#alerts`, redrawn by its own outbox lane at most once a second (`SYNC_DELAY_SECONDS`), so
  about 90 lanes call Slack for one channel: 13 to 14 calls per second at peak, up to about 60 in its
  busiest second, most answered 429, and each lane retries on its own (slack_sdk's retries, then the outbox's
  backoff), so nothing bounds the channel's pace but the number of groups. `chat.update`'s tier limit
  (about 50 a minute per workspace) goes to those messages, so the incidents' alert lists wait as well:
  30 s after the last alert some 400 calls were still owed, about 40 of them for incidents.
  Fix (bot/outbox/worker.py, bot/slack/gateway.py, bot/alerts/service.py: outside): pace calls per
  channel and per method tier in one place, rescheduling an entry rather than calling when its
  channel's budget is spent; put incident lanes before alert-group lanes; in a storm, post one summary
  of the groups per alerts channel, as the storm incident does for incidents.
- **Alertmanager webhook** (not part of this work, measured as before): it can fall under its 0.25
  when the machine is quiet, as in the run above, where the bare handler answered 14,000 requests per
  second and the load generator, at 99 % of a core, set its pace; runs earlier the same day, with
  other work on the machine, measured 0.31 to 0.36.

## Changes made for these targets

- Timeline capture (bot/timeline/service.py, storage/queries/timeline.py, handlers/slack/events.py):
  message events that arrive together are stored in one transaction, a group commit: each request
  still answers only once its message is committed, one writer task stores every event waiting so
  far while the next ones gather, and one event that cannot be stored is retried alone, so only it
  fails. A new message's entry is one multi-row `INSERT … ON CONFLICT DO NOTHING`; table models are
  built only for the entries an edit, delete, pin or reaction changes; incident channels are
  remembered (an incident keeps its channel); and a posted message is no longer claimed in
  `processed_events`, since posting it twice does what posting it once does, keyed by channel and
  `ts`. Together: about ten times the messages per second, and two deliveries of one message that
  race each other on PostgreSQL no longer fail on the unique `(channel_id, slack_ts)`.
- handlers/slack/context.py: the middleware that hands listeners `begin`, `gateway`, `config` and
  `permissions` is a bolt `AsyncMiddleware` class, not a function: bolt builds every injectable
  argument for a middleware function on each request, about 5 % of a `/incident help` ack."""

PROFILES_INTRO = """\
Each row that missed a throughput target was profiled right after its rounds: py-spy sampled the
bot, then bare bolt, for 4 s each under the same load (the Slack requests of that row, 32 at a
time). py-spy is not a project dependency: `.venv/bin/pip install py-spy` to get these sections
(`python -m bench --no-profile` skips them). Microseconds per request are samples ÷ 200 per second ÷
4 s ÷ the requests per second sustained while sampled, for each area of the code (bench/profile.py,
matched on frame names); a thread counts while it runs or waits for a core, not while it waits for
work, so on a busy 2-core machine these include time spent waiting for a core. Rows are sorted by
how much more the bot spends than bare bolt."""
