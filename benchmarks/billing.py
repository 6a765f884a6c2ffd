"""The billing benchmark: `run_billing` over a generated organisation on PostgreSQL, against a bare
`INSERT … SELECT` of the same number of charge rows (issue 4, «Performance»).

What it does, start to finish (see benchmarks/README.md):
1. creates a fresh PostgreSQL database (`kabinet_bench_billing`) and migrates it;
2. generates, set-wise in SQL (`INSERT … SELECT generate_series`), one organisation with N accounts
   × 5 services: maintenance and heating by area, cold and hot water by meter (one meter each, four
   months of readings before the period, with a mix of metered, average, true-up and expired-verification
   cases), and solid waste by residents × normative; tariffs, normatives, last period's balances and
   a few advances (overpayments) the run applies;
3. times `run_billing(organization, period)`;
4. times the baseline: a bare `INSERT … SELECT` of the same number of charge rows into a table of the
   same shape as `billing_charge` (same columns, indexes and foreign keys), in one transaction;
5. prints seconds, rows/s and the ratio run / baseline, and the target (≤ 3×) PASS or FAIL;
   with `--scaling`, does all of this for 10k, 100k and 1M accounts and prints the time per charge row;
6. drops the database, whatever happened.

Exit status: 0 the target is met, 1 it is not, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BenchError, create_database, drop_database, production_environment  # noqa: E402

TARGET_RATIO = 3.0
PERIOD = dt.date(2026, 5, 1)  # the billed month; readings and balances go back from it
ACCOUNTS_PER_BUILDING = 100
SCALING = (10_000, 100_000, 1_000_000)


@dataclass
class Result:
    accounts: int
    lines: int
    generate_seconds: float
    run_seconds: float
    baseline_seconds: float

    @property
    def ratio(self) -> float:
        return self.run_seconds / self.baseline_seconds if self.baseline_seconds else float("inf")

    @property
    def passed(self) -> bool:
        return self.ratio <= TARGET_RATIO


def months(n: int) -> dt.date:
    index = PERIOD.year * 12 + PERIOD.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


# --- Generation (set-wise SQL) --------------------------------------------------------------------


def generate(accounts: int) -> dict:
    """The organisation and its data; returns {"organization": Organization, "services": {code: id}}."""
    from decimal import Decimal

    from django.db import connection, transaction

    from kabinet.billing.models import BillingSettings, Normative, Tariff
    from kabinet.core.models import Organization
    from kabinet.registry.models import Service

    with transaction.atomic():
        org = Organization.objects.create(name="ООО «УК Нагрузка»", inn="7700000099")
        BillingSettings.objects.create(organization=org)
        specs = [  # code, name, unit, method, tariff, normative per resident
            ("upkeep", "Содержание жилого помещения", "м²", Service.Method.AREA, "25.50", None),
            ("heating", "Отопление", "м²", Service.Method.AREA, "48.12", None),
            ("cold", "Холодная вода", "м³", Service.Method.METERED, "50.93", "6.935"),
            ("hot", "Горячая вода", "м³", Service.Method.METERED, "231.40", "4.745"),
            ("waste", "Обращение с ТКО", "м³", Service.Method.RESIDENTS, "812.64", "0.1542"),
        ]
        services = {}
        for code, name, unit, method, price, normative in specs:
            service = Service.objects.create(organization=org, code=code, name=name, unit=unit, method=method)
            services[code] = service.pk
            Tariff.objects.create(organization=org, service=service, price=Decimal(price), valid_from=dt.date(2025, 1, 1))
            if normative:
                Normative.objects.create(organization=org, service=service, value=Decimal(normative),
                                         valid_from=dt.date(2025, 1, 1))
        params = {"org": org.pk, "n": accounts, "per": ACCOUNTS_PER_BUILDING, "cold": services["cold"],
                  "hot": services["hot"], "p": PERIOD, "p1": months(-1), "p2": months(-2), "p3": months(-3),
                  "p4": months(-4), "expired": months(-2) + dt.timedelta(days=9)}
        with connection.cursor() as cursor:
            for statement in GENERATE_SQL:
                cursor.execute(statement, params)
    return {"organization": org, "services": services}


# Ids are given explicitly (n = 1 … N), so rows can refer to each other without lookups; the identity
# sequences are moved past them at the end. Meters: 2n − 1 cold, 2n hot. Readings: meter × 5 + k for
# the months P−4 (k = 0) … P (k = 4). Each meter falls in a case by meter % 20:
#   0–16  readings every month including P               → metered
#   17–18 no reading in P                                 → average of the last 3 months
#   19    no readings in P−2 and P−1 (billed by average), → true-up in P
#         a reading in P
# and every 100th meter's verification expired in P−2     → average from the expiry, then normative × 1.5.
# Consumption of meter m in month k: 3 + (m·7 mod 40)/10 + k/10 m³.
GENERATE_SQL = [
    """INSERT INTO registry_building (id, settlement, street, house, postcode)
       SELECT b, 'Кемерово', 'ул. Нагрузочная', b::text, '650000'
       FROM generate_series(1, (%(n)s + %(per)s - 1) / %(per)s) AS b""",
    """INSERT INTO registry_premises (id, number, kind, area, building_id)
       SELECT n, (n - 1) %% %(per)s + 1, 'flat', 30 + (n * 37 %% 6000) / 100.0, (n - 1) / %(per)s + 1
       FROM generate_series(1, %(n)s) AS n""",
    """INSERT INTO registry_personalaccount (id, number, holder_name, residents, owners, area, receipt_code,
                                             is_open, opened_on, closed_on, e_receipt, organization_id,
                                             premises_id)
       SELECT n, (1000000 + n)::text, 'Абонент ' || n, n %% 5, 1 + n %% 2,
              CASE WHEN n %% 10 = 0 THEN NULL ELSE 30 + (n * 37 %% 6000) / 100.0 END, lpad(n::text, 8, '0'),
              true, NULL, NULL, false, %(org)s, n
       FROM generate_series(1, %(n)s) AS n""",
    """INSERT INTO metering_meter (id, resource, serial_number, zone_count, digits, decimals, installed_on,
                                   verification_due, seal_number, status, retired_on, is_registered, created_at,
                                   account_id, building_id, organization_id, replaced_by_id, service_id)
       SELECT m, CASE WHEN m %% 2 = 1 THEN 'cold_water' ELSE 'hot_water' END, 'SN' || m, 1, 5, 3,
              DATE '2024-01-15',
              CASE WHEN m %% 100 = 0 THEN %(expired)s::date ELSE DATE '2030-01-01' END,
              '', 'active', NULL, true, now(), (m + 1) / 2, NULL, %(org)s, NULL,
              CASE WHEN m %% 2 = 1 THEN %(cold)s ELSE %(hot)s END
       FROM generate_series(1, 2 * %(n)s) AS m""",
    """INSERT INTO metering_reading (id, zone, value, consumption, taken_on, period, source, status, reject_reason,
                                     reviewed_at, flag_over_limit, flag_high, flag_zero, flag_hot_above_cold,
                                     flag_rollover, flag_verification_expired, created_at, meter_id, previous_id,
                                     reviewed_by_id, submitted_by_id, export_id)
       SELECT m * 5 + k, 'T1', v.value,
              CASE WHEN k = 0 THEN NULL ELSE v.value - (100 + prev * base + prev * (prev + 1) / 20.0) END,
              month + 19, month, 'portal', CASE WHEN k = 4 THEN 'accepted' ELSE 'billed' END, '',
              NULL, false, false, false, false, false, false, now(), m,
              CASE WHEN k = 0 THEN NULL ELSE m * 5 + prev END, NULL, NULL, NULL
       FROM generate_series(1, 2 * %(n)s) AS m
       CROSS JOIN generate_series(0, 4) AS k
       CROSS JOIN LATERAL (SELECT 3 + (m * 7 %% 40) / 10.0 AS base,
                                  (ARRAY[%(p4)s, %(p3)s, %(p2)s, %(p1)s, %(p)s]::date[])[k + 1] AS month,
                                  CASE WHEN m %% 20 = 19 AND k = 4 THEN 1 ELSE k - 1 END AS prev) AS c
       CROSS JOIN LATERAL (SELECT 100 + k * c.base + k * (k + 1) / 20.0 AS value) AS v
       WHERE NOT (m %% 20 IN (17, 18) AND k = 4) AND NOT (m %% 20 = 19 AND k IN (2, 3))""",
    # The true-up meters were billed by average in P−2 and P−1: the run subtracts those volumes.
    """INSERT INTO billing_charge (period, zone, kind, volume, tariff, amount, protocol, automatic, created_at,
                                   account_id, meter_id, service_id)
       SELECT month, 'T1', 'average', 4.5, 50.93, 229.19, 'average', true, now(), (m + 1) / 2, m,
              CASE WHEN m %% 2 = 1 THEN %(cold)s ELSE %(hot)s END
       FROM generate_series(19, 2 * %(n)s, 20) AS m CROSS JOIN (VALUES (%(p2)s::date), (%(p1)s::date)) AS p(month)""",
    """INSERT INTO billing_balance (period, opening, charged, recalculated, paid, penalty, closing, account_id)
       SELECT %(p1)s, 0, 3500 + n %% 100, 0, 3500, 0, n %% 100, n FROM generate_series(1, %(n)s) AS n""",
    # Every 50th account overpaid last month: the run applies the advance to the new charges.
    """INSERT INTO billing_payment (id, account_id, amount, paid_on, period, named_period, bill_period,
                                   penalty_amount, include_time_barred, source, external_id, created_at)
       SELECT n, n, 2000, %(p1)s + 9, %(p1)s, NULL, NULL, 0, false, 'bank', '', now()
       FROM generate_series(50, %(n)s, 50) AS n""",
    """INSERT INTO billing_allocation (period, kind, amount, paid_on, applied_by_run, account_id, service_id,
                                      supplier_id, payment_id)
       SELECT NULL, 'advance', 2000, %(p1)s + 9, NULL, n, NULL, %(org)s, n FROM generate_series(50, %(n)s, 50) AS n""",
    *[f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
      for table in ("registry_building", "registry_premises", "registry_personalaccount", "metering_meter",
                    "metering_reading", "billing_payment")],
]


def analyze() -> None:
    """VACUUM ANALYZE after generation: statistics for the planner, and the freshly written rows'
    hint bits and visibility map set now — otherwise the run's first reads of millions of just-loaded
    rows would write them, and autovacuum would start on the new tables in the middle of the run. A
    production organisation's meters and readings were not loaded a second before its billing run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- The baseline ---------------------------------------------------------------------------------

BASELINE_TABLE = "bench_charge_baseline"


def baseline(lines: int, org_id: int) -> float:
    """Seconds for a bare INSERT … SELECT of `lines` charge rows (with a protocol of similar length)
    into a fresh table shaped like billing_charge: its columns, indexes and foreign keys."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        cursor.execute(f"CREATE TABLE {BASELINE_TABLE} (LIKE billing_charge INCLUDING ALL)")
        for column, target in (("account_id", "registry_personalaccount"), ("meter_id", "metering_meter"),
                               ("service_id", "registry_service")):
            cursor.execute(f"ALTER TABLE {BASELINE_TABLE} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                           "DEFERRABLE INITIALLY DEFERRED")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {BASELINE_TABLE} (period, zone, kind, volume, tariff, amount, protocol, automatic,
                                              created_at, account_id, meter_id, service_id)
                SELECT %(p)s, '', 'area', coalesce(a.area, p.area), t.price, round(coalesce(a.area, p.area) * t.price, 2),
                       s.name || ': площадь ' || coalesce(a.area, p.area) || ' м² × ' || t.price || ' ₽ = '
                       || round(coalesce(a.area, p.area) * t.price, 2) || ' ₽',
                       true, now(), a.id, NULL, s.id
                FROM registry_personalaccount a
                JOIN registry_premises p ON p.id = a.premises_id
                CROSS JOIN registry_service s
                JOIN billing_tariff t ON t.service_id = s.id
                WHERE a.organization_id = %(org)s AND s.organization_id = %(org)s
                LIMIT %(lines)s""",
            {"p": PERIOD, "org": org_id, "lines": lines})
        inserted = cursor.rowcount
    seconds = time.perf_counter() - start
    if inserted != lines:
        raise BenchError(f"the baseline inserted {inserted} rows, not {lines}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {BASELINE_TABLE}")
    return seconds


# --- One size -------------------------------------------------------------------------------------


def measure(accounts: int, *, server: str, database: str, profile: Path | None = None) -> Result:
    """Create the database, generate, run, baseline, drop; in a child process per size (a fresh Django)."""
    import subprocess

    command = [sys.executable, __file__, "--one", str(accounts), "--server", server, "--database", database]
    if profile:
        command += ["--profile", str(profile)]
    output = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    result = None
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            values = line.split()[1:]
            result = Result(int(values[0]), int(values[1]), *map(float, values[2:]))
            print(f"  {accounts:,} accounts: baseline {result.baseline_seconds:.1f} s, run / baseline "
                  f"{result.ratio:.2f}×", flush=True)  # known now, even if a larger size fails later
        else:
            print(line, flush=True)
    if output.returncode != 0 or result is None:
        raise BenchError(f"the run for {accounts} accounts failed (exit status {output.returncode})")
    return result


def one(accounts: int, server: str, database: str, profile: Path | None) -> int:
    """In the child process: the whole cycle for one size; prints a RESULT line."""
    data_dir = Path(tempfile.mkdtemp(prefix="kabinet-bench-billing-"))
    env = production_environment(f"{server.rstrip('/')}/{database}", data_dir)
    created = False
    try:
        create_database(server, database)
        created = True
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from kabinet.billing.services import run_billing

        call_command("migrate", interactive=False, verbosity=0)
        print(f"  {accounts:,} accounts: generating …", flush=True)
        start = time.perf_counter()
        data = generate(accounts)
        analyze()
        generate_seconds = time.perf_counter() - start
        print(f"  {accounts:,} accounts: generated in {generate_seconds:.1f} s; billing {PERIOD:%Y-%m} …", flush=True)

        def progress(done, total):
            if total and done and done % max(total // 10, 1) < 1000:
                print(f"    {done:,}/{total:,} accounts, {time.perf_counter() - start:.1f} s", flush=True)

        start = time.perf_counter()
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            report = profiler.runcall(run_billing, data["organization"], PERIOD, progress=progress)
            profiler.dump_stats(profile)
        else:
            report = run_billing(data["organization"], PERIOD, progress=progress)
        run_seconds = time.perf_counter() - start
        if report.problems:
            print(f"  problems: {dict(report.problems)}", flush=True)
        print(f"  {accounts:,} accounts: run {run_seconds:.1f} s, {report.lines:,} lines; baseline …", flush=True)
        baseline_seconds = baseline(report.lines, data["organization"].pk)
        print(f"RESULT {accounts} {report.lines} {generate_seconds} {run_seconds} {baseline_seconds}", flush=True)
        connections.close_all()
        return 0
    except Exception:
        traceback.print_exc()
        return 2
    finally:
        if created:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001 - Django may not be set up yet
                pass
            try:
                drop_database(server, database)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the real error
                print(f"warning: could not drop database {database}: {exc}", file=sys.stderr)
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


# --- Report ---------------------------------------------------------------------------------------


def format_report(results: list[Result]) -> str:
    lines = [
        "billing run on PostgreSQL: run_billing vs a bare INSERT … SELECT of the same charge rows",
        "",
        f"{'accounts':>10}{'lines':>11}{'generate s':>12}{'run s':>9}{'rows/s':>10}{'µs/row':>8}"
        f"{'baseline s':>12}{'rows/s':>10}{'ratio':>8}",
    ]
    for r in results:
        lines.append(
            f"{r.accounts:>10,}{r.lines:>11,}{r.generate_seconds:>12.1f}{r.run_seconds:>9.1f}"
            f"{r.lines / r.run_seconds:>10,.0f}{r.run_seconds / r.lines * 1e6:>8.1f}"
            f"{r.baseline_seconds:>12.1f}{r.lines / r.baseline_seconds:>10,.0f}{r.ratio:>7.2f}×"
        )
    lines.append("")
    for r in results:
        verdict = "PASS" if r.passed else "FAIL"
        lines.append(f"Target: run ≤ {TARGET_RATIO:g}× the baseline at {r.accounts:,} accounts: {r.ratio:.2f}× {verdict}")
    if len(results) > 1:
        per_row = [r.run_seconds / r.lines * 1e6 for r in results]
        lines.append(f"Linearity: µs per charge row from {results[0].accounts:,} to {results[-1].accounts:,} accounts: "
                     + " → ".join(f"{v:.1f}" for v in per_row)
                     + f" (largest / smallest {max(per_row) / min(per_row):.2f})")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1_000_000, help="accounts to generate (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="10,000 accounts")
    parser.add_argument("--scaling", action="store_true", help="10k, 100k and 1M accounts: time per row")
    parser.add_argument("--sizes", type=lambda v: tuple(int(n) for n in v.split(",")),
                        help="with --scaling, these sizes instead (e.g. 10000,100000)")
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database (default: $BENCH_POSTGRES or the local one)")
    parser.add_argument("--database", default="kabinet_bench_billing", help="database to create and drop")
    parser.add_argument("--profile", type=Path, help="write a cProfile of run_billing to this file")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process of one size
    args = parser.parse_args(argv)
    if args.quick:
        args.accounts = 10_000
    if args.accounts < 1:
        parser.error("--accounts must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.one:
        return one(args.one, args.server, args.database, args.profile)
    sizes = (args.sizes or SCALING) if args.scaling else (args.accounts,)
    results = []
    try:
        for accounts in sizes:
            results.append(measure(accounts, server=args.server, database=args.database, profile=args.profile))
    except BenchError as exc:
        print(f"billing benchmark failed: {exc}", file=sys.stderr)
        if not results:
            return 2
    print()
    print(format_report(results))
    if len(results) < len(sizes):
        return 2
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
