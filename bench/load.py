"""The load generator: N concurrent senders over one reused connection pool, a warm-up, then a measured window.

Closed loop (each sender waits for its answer before sending again), as Alertmanager's and Grafana's
notifiers do: throughput is what the target sustains at this concurrency, latency what a sender sees.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp

REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Measure:
    """What one target sustained in the measured window."""

    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class LoadResult:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # every answer, warm-up included
    errors: Counter[str] = field(default_factory=Counter)  # no answer at all: connection errors, timeouts
    accepted: set[int] = field(default_factory=set)  # indexes of the bodies answered with a 2xx at least once
    client_cpu_percent: float = 0.0  # of one core: near 100, the generator, not the target, may set the pace
    first_pass_seconds: float | None = None  # how long delivering every body once took, when asked for
    sent: int = 0  # requests sent after the first pass: more than len(bodies) means some bodies went twice

    @property
    def measure(self) -> Measure:
        if len(self.latencies_ms) < 2:
            return Measure(rps=0.0, p50_ms=float("nan"), p99_ms=float("nan"))
        centiles = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return Measure(rps=len(self.latencies_ms) / self.seconds, p50_ms=centiles[49], p99_ms=centiles[98])

    @property
    def failures(self) -> str:
        """Empty when every request got a 2xx; else e.g. "503×12, ClientOSError×1"."""
        parts = [f"{status}×{count}" for status, count in sorted(self.statuses.items()) if not 200 <= status < 300]
        parts += [f"{error}×{count}" for error, count in sorted(self.errors.items())]
        return ", ".join(parts)


async def run_load(
    url: str,
    bodies: Sequence[bytes],
    *,
    headers: Mapping[str, str] | None = None,
    headers_per_body: Sequence[Mapping[str, str]] | None = None,
    concurrency: int = 32,
    warmup_seconds: float = 2.0,
    measure_seconds: float = 8.0,
    first_pass: bool = False,
    method: str = "POST",
) -> LoadResult:
    """POST `bodies` in order, round and round, from `concurrency` senders; latencies count only for
    answers that arrive inside the measured window, which starts once warm-up is over.

    With `first_pass`, every body is first delivered once (timed on its own) before the warm-up, so
    the measured window sees the steady state of resends rather than a mix of first deliveries.
    `headers_per_body[i]`, when given, goes with `bodies[i]` instead of `headers` (a signature per body).
    With `method="GET"`, each body is a path and query appended to `url`, as a browser asks for pages.
    """
    result = LoadResult(seconds=measure_seconds)
    headers_of = _headers_of(bodies, headers, headers_per_body)
    if first_pass:
        result.first_pass_seconds = await _deliver_each_once(url, bodies, headers_of, concurrency, result)
    # One shared counter, not one per sender: every body goes out once before any goes out twice,
    # so all distinct alerts are sent early (during warm-up) and the rest are repeats.
    order = itertools.count()
    started = time.perf_counter()
    window_start, window_end = started + warmup_seconds, started + warmup_seconds + measure_seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)

    async def sender(session: aiohttp.ClientSession) -> None:
        while (sent_at := time.perf_counter()) < window_end:
            index = next(order) % len(bodies)
            result.sent += 1
            try:
                request = (
                    session.get(url + bodies[index].decode(), headers=headers_of[index])
                    if method == "GET"
                    else session.post(url, data=bodies[index], headers=headers_of[index])
                )
                async with request as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.errors[type(exc).__name__] += 1
                continue
            answered_at = time.perf_counter()
            result.statuses[status] += 1
            # Only 2xx answers count as throughput: a fast refusal is not work done.
            if 200 <= status < 300:
                result.accepted.add(index)
                if window_start <= answered_at < window_end:
                    result.latencies_ms.append((answered_at - sent_at) * 1000)

    cpu_before = time.process_time()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
    result.client_cpu_percent = 100 * (time.process_time() - cpu_before) / (time.perf_counter() - started)
    return result


def _headers_of(
    bodies: Sequence[bytes],
    headers: Mapping[str, str] | None,
    headers_per_body: Sequence[Mapping[str, str]] | None,
) -> Sequence[Mapping[str, str]]:
    if headers_per_body is None:
        return [headers or {}] * len(bodies)
    if len(headers_per_body) != len(bodies):
        raise ValueError(f"{len(headers_per_body)} header sets for {len(bodies)} bodies")
    return headers_per_body


async def _deliver_each_once(
    url: str, bodies: Sequence[bytes], headers_of: Sequence[Mapping[str, str]], concurrency: int, result: LoadResult
) -> float:
    queue = list(enumerate(bodies))
    started = time.perf_counter()

    async def sender(session: aiohttp.ClientSession) -> None:
        while queue:
            index, body = queue.pop()
            try:
                async with session.post(url, data=body, headers=headers_of[index]) as response:
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.errors[type(exc).__name__] += 1
                continue
            result.statuses[response.status] += 1
            if 200 <= response.status < 300:
                result.accepted.add(index)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    ) as session:
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
    return time.perf_counter() - started


async def alternate(runs: Sequence[Callable[[], Awaitable[LoadResult]]], *, rounds: int) -> list[list[LoadResult]]:
    """Run every target once per round, back to back, the order reversed each round (A B, B A, A B …):
    load from elsewhere on a shared machine that comes and goes then lands on all of them alike.
    Returns each target's results, one per round."""
    results: list[list[LoadResult]] = [[] for _ in runs]
    for number in range(rounds):
        order = range(len(runs)) if number % 2 == 0 else reversed(range(len(runs)))
        for index in order:
            results[index].append(await runs[index]())
    return results


def merged(results: Sequence[LoadResult]) -> LoadResult:
    """Several measured windows as one: throughput over their total time, latency centiles over all answers."""
    total = LoadResult(seconds=sum(result.seconds for result in results))
    for result in results:
        total.latencies_ms += result.latencies_ms
        total.statuses.update(result.statuses)
        total.errors.update(result.errors)
        total.sent += result.sent
    total.client_cpu_percent = max((result.client_cpu_percent for result in results), default=0.0)
    return total


def median_ratio(bot: Sequence[LoadResult], baseline: Sequence[LoadResult]) -> tuple[float, float, float]:
    """The median of the per-round throughput ratios, with the lowest and highest: the spread is the noise."""
    ratios = sorted(b.measure.rps / a.measure.rps for b, a in zip(bot, baseline, strict=True) if a.measure.rps)
    if not ratios:
        return float("nan"), float("nan"), float("nan")
    return statistics.median(ratios), ratios[0], ratios[-1]
