"""The store's side of the shared budget: request cost per day kept with every usage write, and
filled in from the usage a store recorded before the table existed."""

from __future__ import annotations

from datetime import datetime, timezone

from alembic import command

from controlplane.store import Store, Usage, day_of, migrations


def test_a_store_from_before_the_request_spend_table_counts_what_it_recorded(store_url: str) -> None:
    monday = datetime(2026, 11, 23, 23, 59, 59, 999_000, tzinfo=timezone.utc)
    tuesday = datetime(2026, 11, 24, 0, 0, 1, tzinfo=timezone.utc)
    with Store(store_url) as store:
        store.record(
            usage=[
                Usage(project="demo", role="planning", at=monday, cost_usd=1.25),
                Usage(project="demo", role="planning", at=tuesday, cost_usd=0.5),
                Usage(project="demo", role="coding", at=tuesday, cost_usd=2.0),
                Usage(project="other", role="coding", at=tuesday, cost_usd=0.0),
            ]
        )
        with store.engine.begin() as connection:  # the store as the release before the shared budget left it
            command.downgrade(migrations.config(connection), "0005")
    with Store(store_url) as reopened:  # opening upgrades it: revision 0006 creates the table and fills it in
        held = reopened.budget_held("demo", since_day=0, now=tuesday)
        other = reopened.budget_held("other", since_day=0, now=tuesday)
    assert held.spent == {
        ("planning", day_of(monday)): 1_250_000,
        ("planning", day_of(tuesday)): 500_000,
        ("coding", day_of(tuesday)): 2_000_000,
    }
    assert other.spent == {}
