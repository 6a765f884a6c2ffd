"""`make bench`: throughput and latency of Kabinet pages under gunicorn on PostgreSQL, then the billing
run benchmark (benchmarks/billing.py; `--only web|billing` runs one of them).

What it does, start to finish (see benchmarks/README.md):
1. creates a fresh PostgreSQL database `kabinet_bench`, migrates it and seeds it with a consumer who
   has 5 accounts x 12 months of balances, plus a few hundred other accounts;
2. logs the consumer in once (a session cookie) and issues an API token for them;
3. serves the project with gunicorn (2 workers, `kabinet.wsgi`, production settings);
4. runs Debian's `wrk` against a trivial view (`/healthz`), the logged-in dashboard (`/`) and
   `GET /api/v1/accounts/`, in interleaved rounds (3 by default), and prints median req/s, p50, p99
   and each page's ratio to the trivial view (the median of the per-round ratios) with the load average;
5. stops gunicorn, drops the database and removes its temporary files, whatever happened.

Exit status: 0 when the goal (dashboard >= 40 % of the trivial view) is met, 1 when it is not,
2 when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
GOAL_RATIO = 0.40  # the dashboard must keep at least 40 % of the trivial view's throughput
CONSUMER_ACCOUNTS = 5
MONTHS = 12
OTHER_ACCOUNTS = 300
PASSWORD = "bench-password-not-secret"


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


@dataclass
class Target:
    name: str
    path: str
    headers: dict
    requests_per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    skipped: str = ""  # why it was not measured
    rounds: list = field(default_factory=list)  # req/s of each round, in order


# --- The database -------------------------------------------------------------------------------


def admin_connection(server_url: str):
    import psycopg

    try:
        return psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise BenchError(f"PostgreSQL is not reachable at {server_url}: {exc}".strip()) from exc


def create_database(server_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(server_url) as conn:
        # FORCE: a gunicorn worker killed mid-request may leave a connection behind.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def production_environment(database_url: str, data_dir: Path) -> dict:
    """Environment of a production deployment on one machine, without TLS in front."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABINET_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kabinet.settings",
            "DATABASE_URL": database_url,
            "KABINET_DEBUG": "0",
            "KABINET_SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "KABINET_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KABINET_SSL_REDIRECT": "0",
            "KABINET_SECURE_COOKIES": "0",
            "KABINET_DATA_DIR": str(data_dir),
            "KABINET_STATIC_ROOT": str(data_dir / "static"),
            "KABINET_LOG_LEVEL": "WARNING",
        }
    )
    # Production runs with Redis (cache, shared sessions, task queue) when one is there (DESIGN.md §1).
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    if redis_answers(redis_url):
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def redis_answers(url: str) -> bool:
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --- Seeding, in this process through the ORM ----------------------------------------------------


def setup_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()


def seed() -> dict:
    """The data and the credentials the benchmark uses: {"session_cookie": (name, value), "token": key}."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from kabinet.accounts.models import AccountLink, User
    from kabinet.accounts.services import issue_api_token
    from kabinet.billing.models import Balance
    from kabinet.core.models import Organization
    from kabinet.registry.models import Building, PersonalAccount, Premises

    with transaction.atomic():
        parent = Organization.objects.create(name="ООО «УК Бенчмарк»", inn="7700000001")
        child = Organization.objects.create(name="ООО «УК Бенчмарк-Юг»", inn="7700000002", parent=parent)
        consumer = User.objects.create_user(
            email="bench@example.com", password=PASSWORD, phone="+79120009999", full_name="Бенчмарк Б. Б."
        )
        accounts = []
        total = CONSUMER_ACCOUNTS + OTHER_ACCOUNTS
        for index, org in enumerate((parent, child)):
            building = Building.objects.create(
                settlement="Кемерово", street="ул. Бенчмарка", house=str(index + 1)
            )
            count = total // 2 if index == 0 else total - total // 2
            premises = Premises.objects.bulk_create(
                Premises(building=building, number=str(n + 1), area=Decimal("54.30")) for n in range(count)
            )
            accounts += PersonalAccount.objects.bulk_create(
                PersonalAccount(
                    organization=org,
                    premises=flat,
                    number=f"{8000000 + index * 100000 + n}",
                    holder_name="Иванов И. И.",
                    residents=2,
                    area=Decimal("54.30"),
                    receipt_code=f"{n:06d}",
                )
                for n, flat in enumerate(premises)
            )
        # The consumer's accounts come from both organisations, as they would in life.
        mine = accounts[:3] + accounts[-(CONSUMER_ACCOUNTS - 3) :]
        AccountLink.objects.bulk_create(
            AccountLink(user=consumer, account=account, role=AccountLink.Role.OWNER) for account in mine
        )
        first = dt.date(2025, 11, 1)
        balances = []
        for account in accounts:
            opening = Decimal("0.00")
            for month in range(MONTHS):
                index = first.year * 12 + first.month - 1 + month
                row = Balance(
                    account=account,
                    period=dt.date(index // 12, index % 12 + 1, 1),
                    opening=opening,
                    charged=Decimal("1520.40") + account.pk % 7,
                    paid=Decimal("1500.00"),
                )
                row.closing = row.compute_closing()  # bulk_create does not call save()
                opening = row.closing
                balances.append(row)
        Balance.objects.bulk_create(balances, batch_size=2000)

    client = Client()
    client.force_login(consumer)
    session_cookie = (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    return {"session_cookie": session_cookie, "token": issue_api_token(consumer, name="benchmark")}


def prepare_database() -> dict:
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)
    # Production serves static files through WhiteNoise's manifest: pages need it to render.
    call_command("collectstatic", interactive=False, verbosity=0)
    credentials = seed()
    connections.close_all()  # the database is dropped at the end: hold no connection to it
    return credentials


# --- The server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "kabinet.wsgi",
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        # A session of its own: stopping its group stops the master and its workers, nothing else.
        return subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass


def fetch(url: str, headers: dict | None = None) -> int:
    """HTTP status of a GET, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_up(server: subprocess.Popen, base_url: str, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if fetch(f"{base_url}/healthz") == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(
        f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}"
    )


# --- wrk ----------------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> dict:
    """req/s, p50 and p99 (ms) and the count of failed requests from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.M)
    if not (rps and p50 and p99):
        raise BenchError(f"cannot read wrk's output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        # Reads are not counted: gunicorn's sync workers close every connection after answering.
        errors += int(socket_errors.group(1)) + int(socket_errors.group(3)) + int(socket_errors.group(4))
    return {
        "requests_per_second": float(rps.group(1)),
        "p50_ms": to_ms(p50.group(1)),
        "p99_ms": to_ms(p99.group(1)),
        "errors": errors,
    }


def run_wrk(wrk: str, url: str, headers: dict, *, seconds: int, threads: int, connections: int) -> dict:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(command + [url], capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise BenchError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return parse_wrk(result.stdout)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return ""


# --- Report -------------------------------------------------------------------------------------


def round_ratios(target: Target, baseline: Target) -> list[float]:
    """The page's req/s over the trivial view's in each round: pairs measured a few seconds apart,
    so a change of the machine's load between rounds does not tilt the ratio."""
    return [page / base for page, base in zip(target.rounds, baseline.rounds, strict=True) if base]


def format_report(
    targets: list[Target], *, seconds: int, threads: int, connections: int, load: tuple[str, str] = ("", "")
) -> tuple[str, bool | None]:
    """The table and the goal's verdict (None when the dashboard could not be measured). With several
    rounds, req/s, p50 and p99 are medians, and each ratio is the median of the per-round ratios."""
    baseline_target = targets[0]
    baseline = baseline_target.requests_per_second
    rounds = len(baseline_target.rounds)
    lines = [
        f"wrk: {threads} threads, {connections} connections, {seconds} s per page, {rounds} round(s) "
        "(pages interleaved); gunicorn 2 sync workers; PostgreSQL",
    ]
    if load[0]:
        lines.append(f"load average (1, 5, 15 min): before {load[0]}, after {load[1]}")
    lines += ["", f"{'page':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'vs trivial':>12}{'errors':>8}"]
    for target in targets:
        if target.skipped:
            lines.append(f"{target.name:<28}{'skipped: ' + target.skipped:>50}")
            continue
        ratios = round_ratios(target, baseline_target)
        ratio = statistics.median(ratios) if ratios else 0.0
        lines.append(
            f"{target.name:<28}{target.requests_per_second:>10.1f}{target.p50_ms:>10.2f}{target.p99_ms:>10.2f}"
            f"{ratio:>11.0%} {target.errors:>8}"
        )
        if rounds > 1 and target is not baseline_target:
            lines.append(f"{'':<28}rounds: " + ", ".join(f"{r:.0%}" for r in ratios))
    dashboard = next(t for t in targets if t.path == "/")
    lines.append("")
    if dashboard.skipped or not baseline:
        lines.append(
            f"Goal: dashboard >= {GOAL_RATIO:.0%} of the trivial view: NOT MEASURED ({dashboard.skipped})"
        )
        return "\n".join(lines), None
    ratio = statistics.median(round_ratios(dashboard, baseline_target))
    passed = ratio >= GOAL_RATIO and dashboard.errors == 0
    verdict = "PASS" if passed else "FAIL"
    lines.append(f"Goal: dashboard >= {GOAL_RATIO:.0%} of the trivial view: {ratio:.0%} {verdict}")
    return "\n".join(lines), passed


# --- Main ---------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page (default 10)")
    parser.add_argument("--quick", action="store_true", help="a short run: 3 s per page")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=20, help="wrk connections (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds over all pages, interleaved; medians are reported (default 3)")
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database (default: $BENCH_POSTGRES or the local one)",
    )
    parser.add_argument("--database", default="kabinet_bench", help="database to create and drop")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--only", choices=("web", "billing"),
                        help="run one benchmark (default: both, the web one first)")
    parser.add_argument("--accounts", type=int,
                        help="billing: accounts to generate (default 1,000,000; 10,000 with --quick)")
    parser.add_argument("--scaling", action="store_true", help="billing: 10k, 100k and 1M accounts")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3
    if args.seconds < 1:
        parser.error("--seconds must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    statuses = []
    if args.only in (None, "web"):
        statuses.append(web(args))
    if args.only in (None, "billing"):
        statuses.append(billing(args))
    return max(statuses)


def billing(args) -> int:
    """The billing benchmark (benchmarks/billing.py) in a process of its own: its own database and Django."""
    command = [sys.executable, str(PROJECT_DIR / "benchmarks" / "billing.py"), "--server", args.server]
    if args.accounts:
        command += ["--accounts", str(args.accounts)]
    elif args.quick:
        command.append("--quick")
    if args.scaling:
        command.append("--scaling")
    print(flush=True)
    return subprocess.run(command, cwd=PROJECT_DIR).returncode


def web(args) -> int:
    """The web benchmark: wrk against gunicorn."""
    # Stopped from outside (kill, a CI timeout): still stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk is not installed: `make test-system-deps` (or apt-get install wrk) installs it.",
            file=sys.stderr,
        )
        return 2
    data_dir = Path(tempfile.mkdtemp(prefix="kabinet-bench-"))
    database_url = f"{args.server.rstrip('/')}/{args.database}"
    env = production_environment(database_url, data_dir)
    server = None
    created = False
    try:
        print(f"Redis: {env.get('REDIS_URL', 'none (sessions in the database)')}", flush=True)
        print(f"Creating and seeding database {args.database} …", flush=True)
        create_database(args.server, args.database)
        created = True
        setup_django(env)
        credentials = prepare_database()

        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = data_dir / "gunicorn.log"
        print(f"Starting gunicorn ({args.workers} workers) on {base_url} …", flush=True)
        server = start_gunicorn(env, port, args.workers, log_path)
        wait_until_up(server, base_url, log_path)

        cookie_name, cookie_value = credentials["session_cookie"]
        targets = [
            Target("trivial view /healthz", "/healthz", {}),
            Target("dashboard /", "/", {"Cookie": f"{cookie_name}={cookie_value}"}),
            Target(
                "API /api/v1/accounts/",
                "/api/v1/accounts/",
                {"Authorization": f"Bearer {credentials['token']}"},
            ),
        ]
        for target in targets:
            status = fetch(base_url + target.path, target.headers)
            if status != 200:
                # Tolerated (e.g. a page not built yet), but reported: nothing is measured for it.
                target.skipped = f"GET answered {status}, not 200"
                print(f"  {target.name}: {target.skipped}", flush=True)
        if targets[0].skipped:
            raise BenchError(f"the trivial view /healthz did not answer 200: {targets[0].skipped}")
        load_before = load_average()
        measured = [t for t in targets if not t.skipped]
        results = {t.path: [] for t in measured}
        for round_number in range(1, args.rounds + 1):
            # Pages interleaved round by round: each ratio compares runs a few seconds apart.
            for target in measured:
                print(f"  round {round_number}/{args.rounds}: wrk {target.name} for {args.seconds} s …", flush=True)
                results[target.path].append(run_wrk(
                    wrk, base_url + target.path, target.headers,
                    seconds=args.seconds, threads=args.threads, connections=args.connections,
                ))  # fmt: skip
        for target in measured:
            runs = results[target.path]
            target.rounds = [r["requests_per_second"] for r in runs]
            for key in ("requests_per_second", "p50_ms", "p99_ms"):
                setattr(target, key, statistics.median(r[key] for r in runs))
            target.errors = sum(r["errors"] for r in runs)

        report, passed = format_report(
            targets, seconds=args.seconds, threads=args.threads, connections=args.connections,
            load=(load_before, load_average()),
        )  # fmt: skip
        print()
        print(report)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "goal_ratio": GOAL_RATIO,
                        "passed": passed,
                        "seconds": args.seconds,
                        "rounds": args.rounds,
                        "targets": [asdict(t) for t in targets],
                    },
                    indent=2,
                )  # fmt: skip
            )
        return 1 if passed is False else 0
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print("benchmark failed (see the traceback above)", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            stop_gunicorn(server)
        if created:
            try:
                drop_database(args.server, args.database)
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the real error
                print(f"warning: could not drop database {args.database}: {exc}", file=sys.stderr)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
