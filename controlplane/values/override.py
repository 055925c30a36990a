"""A temporary override of one role: `reasoning models deploy|undeploy ROLE [--for 2h]`."""

from __future__ import annotations

from datetime import datetime

from controlplane.values.common import Value


class Override(Value):
    """Run (or stop) a role whatever the manifest says, until `until` (None: until cleared).

    Kept in the store, read by every plan (so `plan`, `status` and `apply` all show it) and
    dropped by reconcile once it has expired, which returns the role to what the manifest says.
    Budgets and max_cost_per_hour_usd still stop a role deployed this way: money guards win.
    """

    role: str
    run: bool
    until: datetime | None = None
    actor: str
    set_at: datetime

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now

    def describe(self) -> str:
        """`deployed by models deploy until 2026-11-24 11:00 UTC`"""
        verb = "deployed by `reasoning models deploy`" if self.run else "undeployed by `reasoning models undeploy`"
        return verb + (f" until {self.until:%Y-%m-%d %H:%M} UTC" if self.until else " (no expiry)")
