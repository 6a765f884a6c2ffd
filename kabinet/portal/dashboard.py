"""The home screen's reads and its rendered-page cache (issue 2: the dashboard keeps ≥ 40 % of the
trivial view's throughput; seed 003: what it shows).

Every request reads the truth, in two cheap statements whatever the number of accounts and months:

1. `linked_accounts_with_balances` — the user's accounts with their link, address, organisation and
   latest balance: exactly what the cards and the total show (no ORM query building: this page is
   the one every consumer opens, and composing querysets cost more than running them);
2. `communication_marks` — a fingerprint of what the news and appeal tiles depend on: the
   announcements of the organisations concerned (count, last edit, the next moment one is published
   or expires), the user's read receipts, the appeals on their accounts (count, last edit, reply and
   "seen" times).

The rendered page is cached under a digest of (1), (2), the user, the language and the path: the
key *is* the data, so nothing has to invalidate it — a payment, a billing run, a link or unlink, a
rights change, a new or edited announcement, a staff reply each change the key, and the next request
renders afresh. The costly part of the news tiles (comms.selectors, which builds a query per account)
is cached the same way under (1)'s audience and (2). A cached page never carries a CSRF token: a
placeholder stored with it is replaced by a fresh token on every request. Pages with flash messages
are never cached. `KABINET_DASHBOARD_CACHE_SECONDS` (default 3600; 0 turns the cache off) bounds how
long an unused entry lives; the default cache is Redis with REDIS_URL, local memory otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language

from kabinet.accounts.models import AccountLink, User
from kabinet.billing.models import Balance
from kabinet.comms import selectors as comms
from kabinet.comms.models import Announcement, AnnouncementRead, Appeal
from kabinet.core.models import Organization
from kabinet.registry.models import Building, PersonalAccount, Premises

TEMPLATE = "portal/dashboard.html"
# Templates whose source is part of the cache key: a deploy that changes them renders afresh.
TEMPLATES = ("base.html", TEMPLATE, "portal/_balance.html", "portal/_icon.html")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
LATEST_NEWS = 3
LOCAL_PAGES = 500  # pages kept in each web process (~10–20 kB each)


def cache_seconds() -> int:
    return getattr(settings, "KABINET_DASHBOARD_CACHE_SECONDS", 3600)


# --- 1. + 2. One statement ----------------------------------------------------------------------

ACCOUNT_COLUMNS = 18  # after the user's columns; then the communication marks


def _tables():
    return {model.__name__: model._meta.db_table for model in (
        PersonalAccount, AccountLink, Organization, Premises, Building, Balance, Announcement, AnnouncementRead,
        Appeal)}


def _ints(values) -> str:
    return ", ".join(str(int(v)) for v in values)  # ints only: safe to inline, keeps it one statement


def _marks_sql(organizations) -> str:
    """The communication marks: scalar subqueries (cheaper for PostgreSQL to plan than joined tables).

    An announcement of the organisations concerned created, edited, published, withdrawn or deleted
    changes their count or latest `updated_at`; one reaching its publication or expiry time changes
    the next such moment. A read receipt added changes the user's latest receipt id (receipts go
    only with their announcement or user: then a count changes). An appeal on the user's accounts
    created, deleted, edited or answered changes their count, latest `updated_at` or latest staff
    reply; opened by the consumer, its `consumer_seen_at`."""
    t = _tables()
    announcements = f"FROM {t['Announcement']} WHERE " + (
        f"organization_id IN ({_ints(organizations)})" if organizations else "1 = 0")
    appeals = f"FROM {t['Appeal']} WHERE account_id IN (SELECT account_id FROM {t['AccountLink']} WHERE user_id = %s)"
    marks = [
        f"SELECT COUNT(*) {announcements}",
        f"SELECT MAX(updated_at) {announcements}",
        # The next moment one is published or expires (expiry comes after publication).
        f"SELECT MIN(CASE WHEN status = %s AND publish_at > %s THEN publish_at "
        f"WHEN status = %s AND expires_at > %s THEN expires_at END) {announcements}",
        f"SELECT COUNT(*) FROM {t['AnnouncementRead']} WHERE user_id = %s",
        f"SELECT MAX(id) FROM {t['AnnouncementRead']} WHERE user_id = %s",
        f"SELECT COUNT(*) {appeals}",
        f"SELECT MAX(updated_at) {appeals}",
        f"SELECT MAX(staff_replied_at) {appeals}",
        f"SELECT MAX(consumer_seen_at) {appeals}",
    ]
    return ", ".join(f"({mark})" for mark in marks)


def _marks_params(user_id, now) -> list:
    published = Announcement.Status.PUBLISHED
    return [published, now, published, now] + [user_id] * 6


def _user_fields():
    return User._meta.concrete_fields


@functools.lru_cache(maxsize=256)
def _statement(vendor: str, organizations: tuple[int, ...]) -> str:
    """The SQL (`vendor` keys the cache: tests switch databases within one process): the user's row
    (for `authenticate`), joined to their accounts (none: one row of NULLs), with the marks."""
    t = _tables()
    qn = connection.ops.quote_name
    latest = f"FROM {t['Balance']} bl WHERE bl.account_id = a.id ORDER BY bl.period DESC LIMIT 1"
    user_columns = ", ".join(f"u.{qn(field.column)}" for field in _user_fields())
    return (
        f"SELECT {user_columns}, a.id, a.{qn('number')}, a.organization_id, o.name, o.short_name, o.path, "
        f"a.premises_id, p.{qn('number')}, p.building_id, b.settlement, b.street, b.house, "
        f"l.role, l.can_readings, l.can_payments, l.can_appeals, "
        f"(SELECT bl.closing {latest}), (SELECT bl.period {latest}), {_marks_sql(organizations)} "
        f"FROM {User._meta.db_table} u LEFT JOIN ({t['AccountLink']} l "
        f"JOIN {t['PersonalAccount']} a ON a.id = l.account_id "
        f"JOIN {t['Organization']} o ON o.id = a.organization_id AND o.is_active = %s "
        f"JOIN {t['Premises']} p ON p.id = a.premises_id JOIN {t['Building']} b ON b.id = p.building_id"
        f") ON l.user_id = u.id "
        f"WHERE u.id = %s "
        f"ORDER BY o.name, a.{qn('number')}, a.id"
    )


def organizations_concerned(rows) -> tuple[int, ...]:
    """The accounts' organisations and their ancestors (the path "12/40/" holds them): announcements
    reach an account only from these."""
    return tuple(sorted({int(pk) for row in rows for pk in row[5].strip("/").split("/") if pk}))


# The organisations of each user's last request in this process: a guess that lets the accounts and
# the marks come in one statement. The rows tell whether it was right; if not, the marks are read
# again for the right organisations (a second statement, only when the user's organisations changed).
_organizations_seen: dict[int, tuple[int, ...]] = {}
_SEEN_LIMIT = 10_000


@dataclass
class Snapshot:
    """What the page shows, as read in one statement: the user's row (None if there is no such
    user), their account rows (ACCOUNT_COLUMNS each) and the communication marks."""

    user_id: int
    user_row: tuple | None
    rows: list[tuple]
    marks: tuple

    def fingerprint(self) -> tuple:
        return tuple(self.rows), self.marks

    def user(self):
        """The user as `User.objects.get(pk=…)` would load it, or None."""
        if self.user_row is None:
            return None
        fields = _user_fields()
        values = [_converter(User, f.name)(value) for f, value in zip(fields, self.user_row, strict=True)]
        return User.from_db(connection.alias, [field.attname for field in fields], values)


def read_snapshot(user_id, now) -> Snapshot:
    """The user's row and accounts of active organisations (ordered by organisation and number, with
    their link, address, organisation and latest balance) and the communication marks: one statement
    whatever the number of accounts and months (two the first time a process sees the user or after
    their organisations changed)."""
    guess = _organizations_seen.get(user_id, ())
    width = len(_user_fields())
    with _cursor() as cursor:
        cursor.execute(_statement(connection.vendor, guess), _marks_params(user_id, now) + [True, user_id])
        found = cursor.fetchall()
        if not found:
            return Snapshot(user_id, None, [], ())
        rows = [row[width:width + ACCOUNT_COLUMNS] for row in found if row[width] is not None]
        snapshot = Snapshot(user_id, found[0][:width], rows, tuple(found[0][width + ACCOUNT_COLUMNS:]))
        organizations = organizations_concerned(rows)
        if organizations != guess:
            if len(_organizations_seen) >= _SEEN_LIMIT:
                _organizations_seen.clear()
            _organizations_seen[user_id] = organizations
            cursor.execute(f"SELECT {_marks_sql(organizations)}", _marks_params(user_id, now))
            snapshot.marks = tuple(cursor.fetchone())
    if not rows:
        snapshot.marks = ()
    return snapshot


def authenticate(request, now) -> Snapshot | None:
    """The session's user and the snapshot in one statement, with Django's checks
    (django.contrib.auth.get_user): a backend still configured, which loads users as ModelBackend
    does; the user exists and may log in (active); the session's hash matches the password's. All
    true: `request.user` is set and the snapshot returned. Anything else (no session, a changed
    password, a blocked or deleted user, a hash of a rotated secret key, another backend): None, and
    Django's own path decides, exactly as without this."""
    session = request.session
    try:
        user_id = User._meta.pk.to_python(session[auth.SESSION_KEY])
        backend_path = session[auth.BACKEND_SESSION_KEY]
        session_hash = session[auth.HASH_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS or not _loads_like_model_backend(backend_path):
        return None
    snapshot = read_snapshot(user_id, now)
    user = snapshot.user()
    if user is None or not auth.load_backend(backend_path).user_can_authenticate(user):
        return None
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    request.user = user
    return snapshot


@functools.cache
def _loads_like_model_backend(backend_path: str) -> bool:
    backend = type(auth.load_backend(backend_path))
    manager = type(User._default_manager)
    return (issubclass(backend, ModelBackend) and backend.get_user is ModelBackend.get_user
            and backend.user_can_authenticate is ModelBackend.user_can_authenticate
            and manager.get_queryset is models.Manager.get_queryset)


def _cursor():
    """Django's cursor; on PostgreSQL (psycopg 3) one that runs server-side prepared statements.

    Planning the statement cost PostgreSQL more than running it (~0.4 ms against ~0.1 ms with five
    accounts), on every request; prepared once per connection, it is planned once. Django turns
    psycopg's automatic preparing off for the sake of transaction-mode connection poolers: set
    KABINET_PREPARED_STATEMENTS=0 behind such a pooler (PgBouncer before 1.21)."""
    cursor_class = _prepared_cursor_class() if connection.vendor == "postgresql" else None
    if cursor_class is None or not getattr(settings, "KABINET_PREPARED_STATEMENTS", True):
        return connection.cursor()
    # As connection.cursor() does, with a cursor of our class; Django's wrapper keeps query logging
    # (tests count queries), execute_wrappers and the translation of database errors.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = cursor_class(connection.connection)
    if connection.queries_logged:
        raw.logged = True
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


@functools.cache
def _prepared_cursor_class():
    try:
        import psycopg
    except ImportError:  # psycopg2: no server-side prepared statements through the cursor
        return None

    class PreparedCursor(psycopg.Cursor):
        """Server-side binding, prepared on first use. Django sets the connection's threshold to None
        (nothing is ever prepared): lifted for this statement only, so other queries are unaffected."""

        logged = False  # Django logs the query (tests, DEBUG): it reads `_query`, unset when prepared

        def execute(self, query, params=None, **kwargs):
            saved, self.connection.prepare_threshold = self.connection.prepare_threshold, 0
            try:
                result = super().execute(query, params, prepare=True, **kwargs)
            finally:
                self.connection.prepare_threshold = saved
            if self.logged and self._query is None:
                self._query = self._convert_query(query, params)
            return result

    return PreparedCursor


def _converter(model, name):
    """The database → Python conversion Django applies to `model.name` (Decimal and date on SQLite)."""
    db = connections[DEFAULT_DB_ALIAS]  # the thread's wrapper itself: cheaper than the proxy per value
    functions, column = _converters_for(db.vendor, model, name)
    if not functions:
        return lambda value: value

    def convert(value):
        for function in functions:
            value = function(value, column, db)
        return value

    return convert


@functools.cache
def _converters_for(vendor, model, name):
    field = model._meta.get_field(name)
    column = field.get_col(model._meta.db_table)
    db = connections[DEFAULT_DB_ALIAS]
    return tuple(db.ops.get_db_converters(column) + field.get_db_converters(db)), column


def build_accounts(user, rows) -> list[PersonalAccount]:
    """Unsaved instances with `organization`, `premises.building`, `link` (the user's AccountLink,
    unsaved), `balance` (the latest closing: positive = debt, negative = overpayment; 0 without
    history) and `balance_period` (None without history)."""
    closing, period = _converter(Balance, "closing"), _converter(Balance, "period")
    flag = _converter(AccountLink, "can_readings")
    zero = Balance._meta.get_field("closing").to_python("0.00")
    accounts = []
    for row in rows:
        (pk, number, org_id, org_name, org_short, org_path, premises_id, flat, building_id, settlement,
         street, house, role, can_readings, can_payments, can_appeals, balance, balance_period) = row
        account = PersonalAccount(pk=pk, number=number, organization_id=org_id, premises_id=premises_id)
        account.organization = Organization(pk=org_id, name=org_name, short_name=org_short, path=org_path)
        account.premises = Premises(pk=premises_id, number=flat, building_id=building_id)
        account.premises.building = Building(pk=building_id, settlement=settlement, street=street, house=house)
        account.link = AccountLink(account=account, user=user, role=role, can_readings=bool(flag(can_readings)),
                                   can_payments=bool(flag(can_payments)), can_appeals=bool(flag(can_appeals)))
        account.balance = closing(balance) if balance is not None else zero
        account.balance_period = period(balance_period) if balance_period is not None else None
        accounts.append(account)
    return accounts


def _digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def communication(user, accounts, snapshot, now) -> dict:
    """The news and appeal tiles (comms.selectors), cached under the accounts and the marks."""
    if not accounts:
        return {"unread_news": 0, "latest_news": [], "unread_appeals": 0}
    key = f"kabinet:dashboard:comms:{user.pk}:{_digest(snapshot.fingerprint())}"
    seconds = cache_seconds()
    found = cache.get(key) if seconds else None
    if found is not None:
        return found
    announcements = comms.visible_announcements(user, now, accounts=accounts)
    latest = list(announcements[:LATEST_NEWS])
    unread = sum(1 for a in latest if not a.is_read)
    if len(latest) == LATEST_NEWS:
        unread = announcements.filter(is_read=False).count()
    value = {
        "unread_news": unread,
        # Plain values, not model instances: safe to unpickle after a deploy that changes the model.
        "latest_news": [{"pk": a.pk, "title": a.title, "text": a.text, "publish_at": a.publish_at,
                         "is_emergency": a.is_emergency, "is_read": a.is_read} for a in latest],
        "unread_appeals": comms.unread_appeal_count(user),
    }
    if seconds:
        cache.set(key, value, seconds)
    return value


# --- The page -----------------------------------------------------------------------------------


class LocalPages:
    """The most recently used pages of this process, in front of the shared cache: a page's key is a
    digest of everything it shows, so a copy can never go stale — only unused, and then pushed out
    (or dropped once older than the shared cache's timeout). Saves a cache round trip per request."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return found[1]

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + cache_seconds(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_local = LocalPages(LOCAL_PAGES)


def clear_local(*, guesses: bool = True) -> None:
    """Forget this process's pages (and its guesses of users' organisations): for tests."""
    _local.clear()
    if guesses:
        _organizations_seen.clear()


@dataclass
class Page:
    html: str
    cached: bool


_templates_digest: str | None = None


def templates_digest() -> str:
    """The source of the page's templates, once per process (the cached loader keeps them too)."""
    global _templates_digest
    if _templates_digest is None:
        sources = []
        for name in TEMPLATES:
            origin = get_template(name).origin
            sources.append(origin.loader.get_contents(origin))
        _templates_digest = _digest(*sources)
    return _templates_digest


def page_key(request, snapshot) -> str:
    user = request.user
    parts = (templates_digest(), str(user), get_language(), request.get_full_path(), snapshot.fingerprint())
    return f"kabinet:dashboard:page:{user.pk}:{_digest(*parts)}"


def render_dashboard(request, render, now, snapshot: Snapshot | None = None) -> Page:
    """The page for `request.user` (`snapshot`: as `authenticate` read it, if it did): from the cache
    when the data it shows has not changed, else `render(accounts, communication)` (a callable
    returning the HTML) and stored."""
    if snapshot is None or snapshot.user_id != request.user.pk:
        snapshot = read_snapshot(request.user.pk, now)
    seconds = cache_seconds()
    # Flash messages are shown (and consumed) by the page: such a page is rendered, never cached.
    cacheable = seconds > 0 and not len(messages.get_messages(request))
    key = page_key(request, snapshot) if cacheable else None
    if key:
        found = _local.get(key)
        if found is None:
            found = cache.get(key)
            if found is not None:
                _local.put(key, found)
        if found is not None:
            placeholder, html = found
            return Page(html.replace(placeholder, get_token(request)), cached=True)
    accounts = build_accounts(request.user, snapshot.rows)
    html = render(accounts, communication(request.user, accounts, snapshot, now))
    if key:
        token = CSRF_INPUT.search(html)
        if token:  # without a token we cannot tell it from the user's data: not cached
            placeholder = f"csrf-placeholder-{secrets.token_hex(16)}"
            entry = (placeholder, html.replace(token.group(1), placeholder))
            cache.set(key, entry, seconds)
            _local.put(key, entry)
    return Page(html, cached=False)
