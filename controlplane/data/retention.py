"""The one retention rule, for `reasoning data cleanup` and for every reconcile round: samples
older than the cutoff go, then each role keeps its newest `keep`; the oldest go first either way.
The proxy's routing decisions (every request the router scored, `routing_decisions`) hold the
same requests and would otherwise grow without end: those older than the same cutoff go too,
but a labeled one stays (it is the router's training data, which `route review` made by hand),
and the per-role count does not apply to them (they belong to no role's fine-tune).

A dry run counts in the database what the deletes would remove (the old samples per role, then
each role's count without them), and deletes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from controlplane.store import Store
from controlplane.values.reconcile import Deletion


def retention(store: Store, project: str, now: datetime, *, days: int, keep: int, dry_run: bool) -> list[Deletion]:
    """What the rule deletes at `now`, one `Deletion` per reason; with `dry_run`, what it would
    (the reasons say "deleted" either way: whoever shows a dry run words it)."""
    cutoff = now - timedelta(days=days)
    age = f"older than {days} days (before {cutoff:%Y-%m-%d %H:%M} UTC)"
    if dry_run:
        old = store.count_samples(project, before=cutoff)
        aged = sum(old.values())
        counts = {role: count - old.get(role, 0) for role, count in store.count_samples(project).items()}
    else:
        aged = store.delete_samples_before(project, cutoff)
        counts = store.count_samples(project)
    deletions = [Deletion(role=None, samples=aged, reason=f"deleted {aged} training sample(s) {age}")] if aged else []
    decisions = (
        store.count_decisions_before(project, cutoff) if dry_run else store.delete_decisions_before(project, cutoff)
    )
    if decisions:
        reason = f"deleted {decisions} unlabeled routing decision(s) {age}"
        deletions.append(Deletion(role=None, samples=0, decisions=decisions, reason=reason))
    for role, count in sorted(counts.items()):
        if count <= keep:
            continue
        over = count - keep if dry_run else store.trim_samples(project, role, keep)
        if over:
            reason = f"deleted {over} oldest training sample(s) over max_samples_per_model {keep}"
            deletions.append(Deletion(role=role, samples=over, reason=reason))
    return deletions
