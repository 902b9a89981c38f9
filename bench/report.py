"""The results table: printed, and written into docs/PERFORMANCE.md between its two markers (the
rest of that file — analysis, before and after — is prose kept by hand)."""

import os
import platform
from datetime import datetime
from pathlib import Path

from bench.harness import Result

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "PERFORMANCE.md"
START = "<!-- bench:results:start (written by bench/run.py; do not edit by hand) -->"
END = "<!-- bench:results:end -->"


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit.startswith("ms"):
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:,.2f} s" if value < 100 else f"{value:,.0f} s"
    return f"{value:,.0f} {unit}"


def _ratio(result: Result) -> str:
    if result.ratio is None:
        return "—"
    return f"{result.ratio:.2f}×"


def _verdict(result: Result) -> str:
    met = result.met
    if not result.available:
        return "not available"
    return "—" if met is None else ("met" if met else "**missed**")


def rows(results: list[Result]) -> list[list[str]]:
    table = []
    for r in results:
        table.append(
            [
                r.code,
                r.title,
                _number(r.project_median, r.unit),
                _number(r.limit_median, r.unit) if r.limit != "—" else "—",
                _ratio(r),
                r.goal,
                _verdict(r),
            ]
        )
    return table


HEADER = ["#", "benchmark", "project (median)", "limit (median)", "ratio", "goal", "verdict"]


def table_text(results: list[Result]) -> str:
    table = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in table]
    for result in results:
        for note in result.notes:
            lines.append(f"  {result.code}: {note}")
    return "\n".join(lines)


def machine() -> dict[str, str]:
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal"):
                memory = f"{int(text.split()[1]) / 1024 / 1024:.0f} GB"
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "synchronous_commit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    import django

    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "RAM": memory,
        "OS": platform.platform(),
        "PostgreSQL": f"{version} (local; " + ", ".join(f"{k} {v}" for k, v in settings.items()) + ")",
        "Python / Django": f"{platform.python_version()} / {django.get_version()}",
    }


def markdown(results: list[Result], data, *, rounds: int, only: set[str]) -> str:
    from bench.loadgen import wrk_available

    facts = machine()
    lines = [
        START,
        "",
        f"Run of {datetime.now():%Y-%m-%d %H:%M} — scale {data.scale:g}: {data.records:,} business records "
        f"({data.first_day:%Y-%m} to {data.last_day:%Y-%m}), {data.findings:,} findings, "
        f"{len(data.org.units)} units, {len(data.org.persons):,} persons; {rounds} rounds, medians"
        + (f"; only {', '.join(sorted(only))}" if only else "")
        + f"; HTTP load by {'wrk' if wrk_available() else 'the Python load generator'} against gunicorn "
        "(3 sync workers).",
        "",
        *(f"- {name}: {value}" for name, value in facts.items()),
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
        *("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows(results)),
        "",
    ]
    for result in results:
        lines.append(f"- **{result.code}** {result.title}: {result.project} vs {result.limit}.")
        for note in result.notes:
            lines.append(f"  {note}")
    lines += ["", END]
    return "\n".join(lines)


def write(results: list[Result], data, *, rounds: int, only: set[str]) -> Path:
    section = markdown(results, data, rounds=rounds, only=only)
    text = (
        DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.exists() else "# Performance\n\n" + START + "\n" + END + "\n"
    )
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT.write_text(text, encoding="utf-8")
    return DOCUMENT
