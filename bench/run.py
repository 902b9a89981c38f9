#!/usr/bin/env python
"""The benchmark harness of issue 8: `make bench` (or `.venv/bin/python bench/run.py`).

    bench/run.py [--scale 1.0] [--rounds 5] [--only B1,B4] [--regenerate] [--no-report]

On the local PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bigsup_bench)
it creates the benchmark database if needed, migrates it, generates the data set with COPY (or
reuses it when the marker says it has the same scale), then runs B1-B7: each measures the project
and its limit alternately, `--rounds` times, prints the medians and the ratio, and writes the
results table with the machine's description into docs/PERFORMANCE.md (between its markers).

BENCH_SCALE and BENCH_ROUNDS in the environment set the defaults of --scale and --rounds.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The script directory (bench/) must not shadow standard modules: the project root takes its place.
sys.path[0] = str(ROOT)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""), help="e.g. B1,B4 (default: all)")
    parser.add_argument("--regenerate", action="store_true", help="drop and generate the data set again")
    parser.add_argument("--data-only", action="store_true", help="prepare the data set and stop")
    parser.add_argument("--no-report", action="store_true", help="do not write docs/PERFORMANCE.md")
    arguments = parser.parse_args()
    if not 0 < arguments.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    return arguments


def _prepare(scale: float, regenerate: bool):
    """Create, migrate and fill the benchmark database as needed; returns the DataSet."""
    from bench import db

    url = db.database_url()
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if not db.database_exists(url):
        db.database_create(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import dataset

    with connection.cursor() as cursor:
        found = dataset.marker(cursor.cursor)
    reuse = (
        not regenerate
        and found is not None
        and found["version"] == dataset.VERSION
        and abs(found["scale"] - scale) < 1e-9
    )
    if reuse:
        print(f"bench: reusing the data set of {found['today']} (scale {scale:g}, {found['records']:,} records)")
        call_command("migrate", verbosity=0)
        return dataset.plan(scale, found["today"])
    connection.close()
    if found is not None or regenerate:
        print("bench: dropping the old benchmark database")
    db.database_drop(url)
    db.database_create(url)
    print("bench: migrating the benchmark database")
    call_command("migrate", verbosity=0)
    data = dataset.plan(scale, timezone.localdate())
    print(f"bench: generating the data set (scale {scale:g}: {data.records:,} records, {data.findings:,} findings)")
    dataset.generate(data)
    return data


def main() -> int:
    arguments = _arguments()
    started = time.monotonic()
    data = _prepare(arguments.scale, arguments.regenerate)
    if arguments.data_only:
        return 0
    from bench import benchmarks, report

    only = {code.strip().upper() for code in arguments.only.split(",") if code.strip()}
    results = benchmarks.run_all(data, rounds=arguments.rounds, only=only)
    print()
    print(report.table_text(results))
    if not arguments.no_report:
        path = report.write(results, data, rounds=arguments.rounds, only=only)
        print(f"\nbench: results written to {path.relative_to(ROOT)}")
    print(f"bench: done in {time.monotonic() - started:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
