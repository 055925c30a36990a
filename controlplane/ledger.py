"""The cost ledger: every interval in which a deployment was billed, at the replicas and the
hourly price in force. Spend (`store.spend`) is derived from it, never guessed.

Where it sits in the flow: `apply` records a transition the moment it asks the provider for one
(create, scale, start, stop, delete: `record`), and `bill_observed` compares the refreshed world
with the open intervals to catch what changed out of band (a scale in Together's console, a
FAILED deployment, autoscaling above the floor, a new price). Apply does that before it acts and
reconcile on every run, so the ledger is never more than one run behind the world.

The billing rule (Together bills per running replica, per minute of uptime):

- A deployment is billed for `min_replicas` (the floor Together keeps running) from the moment
  apply asked for them, provisioning included. We cannot see the minute a replica turns ready
  without polling, and a budget guard must not undercount: this errs by the spin-up time, on
  the side of stopping early rather than overspending.
- When a refresh sees a READY deployment running more replicas than its floor (autoscaling
  under load), those are billed from when they were seen.
- Stopping (0/0), deleting and FAILED end billing: from the moment apply asked, or when a
  refresh first saw it for out-of-band changes (at most one reconcile interval late).
- The price is the catalog's integer `priceCentsPerHour` per replica at the time the interval
  opened; a price change closes the interval and opens its successor.

Money is integer arithmetic: an interval's cost is cents x replicas x microseconds, summed as
integers and divided once, so totals are exact to the cent however they are clipped or grouped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from controlplane.store import Store
from controlplane.values import Billing, LedgerChange, RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog
from controlplane.values.money import burn, cents, cost, replica_hours, units, usd

__all__ = [
    "bill_observed",
    "billed_replicas",
    "billing",
    "burn",
    "cents",
    "cents_per_hour",
    "cost",
    "record",
    "replica_hours",
    "units",
    "usd",
]


def cents_per_hour(catalog: Catalog, hardware: str) -> int:
    """The catalog's price per replica-hour in integer cents (the catalog keeps it as cents / 100)."""
    found = catalog.find_hardware(hardware)
    return round(found.usd_per_hour * 100) if found else 0


def billing(deployment_id: str, spec: Spec, catalog: Catalog, *, replicas: int | None = None) -> Billing:
    """What `deployment_id` is billed at while it runs `spec` (its floor, unless told otherwise)."""
    return Billing(
        deployment_id=deployment_id,
        hardware=spec.hardware,
        replicas=spec.min_replicas if replicas is None else replicas,
        cents_per_hour=cents_per_hour(catalog, spec.hardware),
    )


def billed_replicas(deployment: RemoteDeployment) -> int:
    """How many replicas of a refreshed deployment are billed, by the rule above."""
    if deployment.state in ("FAILED", "STOPPED", "STOPPING") or deployment.spec.stopped:
        return 0
    above_floor = deployment.ready_replicas if deployment.state == "READY" else 0
    return max(deployment.spec.min_replicas, above_floor)


def record(
    store: Store,
    project: str,
    role: str,
    running: Mapping[str, Spec],
    catalog: Catalog,
    *,
    at: datetime,
    by: str,
    keep_others: bool = False,
) -> LedgerChange:
    """Apply's side: the role's deployments now billed are exactly `running` (id -> spec asked for).

    `keep_others` leaves the role's other open intervals alone: a replace adds the new deployment
    while the old one still serves. Idempotent: a re-run after a crash records nothing twice.
    """
    terms = [billing(deployment_id, spec, catalog) for deployment_id, spec in running.items() if not spec.stopped]
    return store.ledger_sync(project, role, terms, at=at, by=by, keep_others=keep_others)


def bill_observed(
    store: Store,
    project: str,
    actual: Mapping[str, RemoteRole],
    catalog: Catalog,
    *,
    now: datetime,
    by: str = "bill_observed",
) -> dict[str, LedgerChange]:
    """Bring the open intervals in line with the refreshed world `actual`, as of `now`.

    Roles with open intervals that the refresh no longer finds (deleted out of band) are closed.
    Returns the changes per role; none when the ledger already agreed (observing twice is a no-op).
    """
    open_terms: dict[str, set[Billing]] = {}
    for interval in store.ledger(project, open_only=True):
        open_terms.setdefault(interval.role, set()).add(interval.terms)
    changes: dict[str, LedgerChange] = {}
    for role in sorted(set(actual) | set(open_terms)):
        remote = actual.get(role)
        deployments = remote.deployments if remote is not None else ()
        terms = [
            billing(d.id, d.spec, catalog, replicas=billed_replicas(d)) for d in deployments if billed_replicas(d) > 0
        ]
        if set(terms) == open_terms.get(role, set()):
            continue  # one read for all roles: reconcile observes every round, mostly to no change
        change = store.ledger_sync(project, role, terms, at=now, by=by)
        if change:
            changes[role] = change
    return changes
