"""Where the control plane remembers: applied state per role, the events log, the apply lock,
the cost ledger, and what the runtime writes: usage per request and training samples.

SQLite by default (a file next to the manifest), PostgreSQL by URL when several machines share
one project. `Store` is one database (`database.py`) with small repositories over it (`applied`,
`events`, `records`, `decisions`, `ledger`, `lock`, `overrides`, `budget`, `shadows`); its methods
are theirs. sqlalchemy never
leaks out: rows become the values of `controlplane.values`, and database failures become
`StoreError`. No transaction is held across a network call: every method opens and closes its own.
Opening checks the schema against the alembic revisions in `migrations/` (`schema.py`: cheap when
current, an upgrade under a lock when behind) and says plainly when the database is empty, lost
tables, is damaged or is read-only (docs/migrations.md).

On an SQLite file, opening a store and the reads `reasoning plan` makes do not import
SQLAlchemy (~40 % of that command's instructions): the schema check and those reads go through
the stdlib (`sqlite.py`), and the repositories, which are written in SQLAlchemy, are made when a
method of theirs is first asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest
from controlplane.store.database import Database, plain_sqlite_file
from controlplane.store.spend import spend
from controlplane.values import (
    AppliedRole,
    Billing,
    Event,
    LedgerChange,
    LedgerInterval,
    Lock,
    Outcome,
    Sample,
    Usage,
    UsageTotals,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from controlplane.store.budget import Held, day_of


class Store:
    """One state database and its repositories, under the method names callers use."""

    def __init__(self, url: str) -> None:
        self.database = Database(url)
        self.display_url = self.database.display_url
        #: the runtime's way on after a lost table (StoreStateLost on a write): recreate, then write again
        self.recreate_lost_tables = self.database.recreate_lost_tables
        self.recreate_if_empty = self.database.recreate_if_empty
        self._bound = False
        if not self._take_plans_reads():  # plan's reads, without SQLAlchemy
            self._bind()

    def _take_plans_reads(self) -> bool:
        """Plan's six reads from the stdlib's SQLite reader, where the store has one (else False)."""
        reader = self.database.reader
        if reader is None:
            return False
        self.applied = reader.applied
        self.overrides = reader.overrides
        self.events = reader.events
        self.ledger = reader.ledger
        self.usage_totals = reader.usage_totals
        self.last_requests = reader.last_requests
        return True

    @property
    def engine(self) -> Engine:
        return self.database.engine

    def __getattr__(self, name: str) -> Any:
        # a repository's method not bound yet (`_bind`): bind them all, once
        if name.startswith("_") or self.__dict__.get("_bound", True):
            raise AttributeError(name)
        self._bind()
        return getattr(self, name)

    def _bind(self) -> None:
        """The repositories' methods, under the names callers use (their modules import SQLAlchemy)."""
        from controlplane.store.applied import AppliedRoles
        from controlplane.store.budget import Budget
        from controlplane.store.decisions import Decisions
        from controlplane.store.events import Events
        from controlplane.store.ledger import Ledger
        from controlplane.store.lock import Locks
        from controlplane.store.overrides import Overrides
        from controlplane.store.records import Records
        from controlplane.store.shadows import Shadows

        self._bound = True
        applied, events, records = AppliedRoles(self.database), Events(self.database), Records(self.database)
        ledger, locks, overrides = Ledger(self.database), Locks(self.database), Overrides(self.database)
        decisions, budget = Decisions(self.database), Budget(self.database)
        # applied state
        self.applied = applied.applied
        self.record_applied = applied.record_applied
        self.forget = applied.forget
        # the events log
        self.add_event = events.add_event
        self.events = events.events
        # what the runtime records
        self.record = records.record
        self.record_usage = records.record_usage
        self.usage = records.usage
        self.usage_totals = records.usage_totals
        self.last_requests = records.last_requests
        self.recent_outputs = records.recent_outputs
        self.usage_cost_buckets = records.usage_cost_buckets
        self.samples = records.samples
        self.sample_counts = records.sample_counts
        self.delete_samples_before = records.delete_samples_before
        self.trim_samples = records.trim_samples
        self.count_samples = records.count_samples
        self.sample = records.sample
        self.label_sample = records.label_sample
        self.training_rows = records.training_rows
        self.training_batches = records.training_batches
        self.hash_unhashed = records.hash_unhashed
        self.sample_stats = records.sample_stats
        # the router's decisions and their labels
        self.record_decisions = decisions.record_decisions
        self.decisions = decisions.decisions
        self.label_decision = decisions.label_decision
        self.decision_count = decisions.decision_count
        self.delete_decisions_before = decisions.delete_decisions_before
        self.count_decisions_before = decisions.count_decisions_before
        # the budget shared by every replica: reservations of requests in flight
        self.reserve = budget.reserve
        self.budget_held = budget.held
        self.release_reservations = budget.release
        self.settle_reservation = budget.settle
        self.renew_reservations = budget.renew
        # candidates in shadow
        shadows = Shadows(self.database)
        self.shadow_deployments = shadows.shadow_deployments
        self.set_shadow = shadows.set_shadow
        self.clear_shadow = shadows.clear_shadow
        self.record_shadow_results = shadows.record_shadow_results
        self.shadow_results = shadows.shadow_results
        # the cost ledger
        self.ledger_sync = ledger.ledger_sync
        self.ledger = ledger.ledger
        # temporary deploy/undeploy overrides
        self.overrides = overrides.overrides
        self.set_override = overrides.set_override
        self.clear_override = overrides.clear_override
        # the apply lock
        self.acquire_lock = locks.acquire_lock
        self.renew_lock = locks.renew_lock
        self.release_lock = locks.release_lock
        self.force_unlock = locks.force_unlock
        self.lock = locks.lock
        self._take_plans_reads()  # plan's reads stay the stdlib's

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str, base_dir: Path) -> Store:
    """A store for a manifest's URL; relative SQLite paths are relative to the manifest."""
    plain = plain_sqlite_file(url)
    if plain is not None:  # read without SQLAlchemy, so long as the absolute path is plain too
        driver, path = plain
        if Path(path).is_absolute():
            return Store(url)
        resolved = f"{driver}:///{(base_dir / path).resolve()}"
        if plain_sqlite_file(resolved) is not None:
            return Store(resolved)
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database and parsed.database != ":memory:":
        database = Path(parsed.database)
        if not database.is_absolute():
            url = parsed.set(database=str((base_dir / database).resolve())).render_as_string(hide_password=False)
    return Store(url)


def store_url(manifest: Manifest) -> str:
    """The store's URL: `store.url`, or the environment variable `store.url_env` names."""
    if manifest.store.url_env is None:
        return manifest.store.url
    url = os.environ.get(manifest.store.url_env)
    if not url:
        raise SecretMissing(
            f"{manifest.store.url_env} is not set (store.url_env, {manifest.where('store', 'url_env')})",
            hint=f"export {manifest.store.url_env}=postgresql+psycopg://user:password@host/db",
        )
    return url


def open_for(manifest: Manifest) -> Store:
    """The manifest's store: its URL (from the file or the environment), relative to the file."""
    return open_store(store_url(manifest), manifest.path("."))


def __getattr__(name: str) -> Any:
    # the budget's values, from the module that imports SQLAlchemy, when asked for
    if name in ("Held", "day_of"):
        from controlplane.store import budget

        return getattr(budget, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AppliedRole",
    "Billing",
    "Event",
    "Held",
    "LedgerChange",
    "LedgerInterval",
    "Lock",
    "Outcome",
    "Sample",
    "Store",
    "Usage",
    "UsageTotals",
    "day_of",
    "open_for",
    "open_store",
    "spend",
    "store_url",
]
