"""Results: one row per benchmark × database, the machine they ran on, and the Markdown they become."""

from __future__ import annotations

import math
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.load import Measure


@dataclass(frozen=True)
class Row:
    benchmark: str
    database: str  # "SQLite", "PostgreSQL", or "—" where no database is involved
    baseline: Measure | None = None
    bot: Measure | None = None
    target: float | None = None  # the least bot/baseline ratio that meets the goal; None: informational
    goal: str | None = None  # a target that is not a ratio (or comes with one), as shown: "p99 < 100 ms"
    goal_met: bool | None = None  # whether `goal` was met
    checks_passed: bool = True  # correctness (no failed requests, everything stored): a fast wrong answer meets nothing
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    measured_ratio: float | None = None  # the median of per-round ratios, for rows measured in rounds
    profile: str | None = None  # Markdown: where the time goes, for a row that missed its target

    @property
    def ratio(self) -> float | None:
        if self.measured_ratio is not None:
            return self.measured_ratio
        if self.baseline is None or self.bot is None or not self.baseline.rps:
            return None
        return self.bot.rps / self.baseline.rps

    @property
    def met(self) -> bool | None:
        verdicts = [self.goal_met] if self.goal is not None else []
        if self.target is not None:
            verdicts.append(None if self.ratio is None else self.ratio >= self.target)
        if not verdicts or None in verdicts:
            return None
        return all(verdicts) and self.checks_passed

    @property
    def target_text(self) -> str:
        parts = [f"≥ {self.target:.2f}"] if self.target is not None else []
        parts += [self.goal] if self.goal is not None else []
        return " and ".join(parts) or "—"


@dataclass(frozen=True)
class RunInfo:
    date: str
    machine: str
    commit: str
    load: str  # the load averages as the run ended: how much else the machine was doing

    @classmethod
    def collect(cls, repo: Path, *, minutes: float) -> RunInfo:
        uname = platform.uname()
        one, five, fifteen = os.getloadavg()
        return cls(
            date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            machine=f"{uname.system} {uname.release} {uname.machine}, {_cpu_model()}, {os.cpu_count()} cores",
            commit=_commit(repo),
            load=f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min) as the {minutes:.1f}-minute run ended",
        )


COLUMNS = [
    "Benchmark",
    "Database",
    "Baseline req/s",
    "Bot req/s",
    "Ratio",
    "Target",
    "Met?",
    "Baseline p50 / p99 ms",
    "Bot p50 / p99 ms",
    "Notes",
]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
    for row in rows:
        if row.skipped:
            cells = [row.benchmark, row.database, *["—"] * (len(COLUMNS) - 3), row.skipped]
        else:
            cells = [
                row.benchmark,
                row.database,
                _rps(row.baseline),
                _rps(row.bot),
                _ratio(row.ratio),
                row.target_text,
                {True: "met", False: "**not met**", None: "—"}[row.met],
                _latency(row.baseline),
                _latency(row.bot),
                "; ".join(row.notes),
            ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def document(intro: str, info: RunInfo, rows: list[Row], *, analysis: str = "", profiles_intro: str = "") -> str:
    text = (
        f"{intro.strip()}\n\n"
        "## Latest results\n\n"
        f"- Date: {info.date}\n"
        f"- Machine: {info.machine}\n"
        f"- Commit: `{info.commit}`\n"
        f"- Load average: {info.load}\n\n"
        f"{table(rows)}\n"
    )
    if analysis:
        text += f"\n{analysis.strip()}\n"
    profiled = [row for row in rows if row.profile]
    if profiled:
        text += f"\n## Where the time goes\n\n{profiles_intro.strip()}\n"
        for row in profiled:
            text += f"\n### {row.benchmark}, {row.database}\n\n{row.profile}\n"
    return text


def _rps(measure: Measure | None) -> str:
    return "—" if measure is None else f"{measure.rps:,.0f}"


def _latency(measure: Measure | None) -> str:
    if measure is None or math.isnan(measure.p50_ms):
        return "—"
    return f"{measure.p50_ms:.1f} / {measure.p99_ms:.1f}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _commit(repo: Path) -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        return commit + ("+dirty" if git("status", "--porcelain") else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}"  # 0.014, not 0.01: small ratios still compare
