"""The store on SQLite and on PostgreSQL: applied state, events, and the apply lock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest

from controlplane.errors import LockHeld, StoreError
from controlplane.store import Event, Store
from controlplane.values import AppliedRole, Spec

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=15)


@pytest.fixture
def store(store_url: str) -> Store:
    return Store(store_url)


def applied(role: str = "planning", replicas: int = 1) -> AppliedRole:
    return AppliedRole(
        role=role,
        enabled=True,
        endpoint_id="ep_1",
        deployment_id="dep_1",
        applied_at=NOW,
        spec=Spec(model="org/m", hardware="h", min_replicas=replicas, max_replicas=replicas),
    )


class TestAppliedState:
    def test_remembers_what_was_applied_per_project_and_role(self, store: Store) -> None:
        store.record_applied("demo", applied())
        store.record_applied("other", applied("coding"))
        assert store.applied("demo") == {"planning": applied()}

    def test_overwrites_a_role_on_the_next_apply(self, store: Store) -> None:
        store.record_applied("demo", applied(replicas=1))
        store.record_applied("demo", applied(replicas=3))
        assert store.applied("demo")["planning"].spec.min_replicas == 3

    def test_forgets_a_deleted_role(self, store: Store) -> None:
        store.record_applied("demo", applied())
        store.forget("demo", "planning")
        assert store.applied("demo") == {}

    def test_hands_back_utc_datetimes(self, store: Store) -> None:
        store.record_applied("demo", applied())
        assert store.applied("demo")["planning"].applied_at == NOW


class TestEvents:
    def test_lists_events_in_order_filtered_by_time_and_role(self, store: Store) -> None:
        for minute, role in enumerate(["planning", "coding", "planning"]):
            store.add_event(
                Event(
                    at=NOW + timedelta(minutes=minute),
                    project="demo",
                    role=role,
                    actor="me",
                    kind="update",
                    reason=f"r{minute}",
                    detail={"n": minute},
                )
            )
        assert [e.reason for e in store.events("demo")] == ["r0", "r1", "r2"]
        assert [e.reason for e in store.events("demo", role="planning", since=NOW + timedelta(minutes=1))] == ["r2"]
        assert store.events("demo")[2].detail == {"n": 2}
        assert store.events("other") == []


class TestLock:
    def test_a_second_holder_is_refused_with_the_owner_named(self, store: Store) -> None:
        store.acquire_lock("demo", "alice@ci pid 1", now=NOW, ttl=TTL)
        with pytest.raises(LockHeld, match="locked by alice@ci pid 1 since 2026-11-24 09:00:00 UTC"):
            store.acquire_lock("demo", "bob", now=NOW + timedelta(minutes=1), ttl=TTL)

    def test_the_refusal_names_the_lock_id_and_how_to_force_unlock(self, store: Store) -> None:
        store.acquire_lock("demo", "alice@ci pid 1", now=NOW, ttl=TTL, lock_id="5e1f00d2")
        with pytest.raises(LockHeld, match=r"; lock id 5e1f00d2$") as caught:
            store.acquire_lock("demo", "bob", now=NOW, ttl=TTL)
        assert caught.value.lock_id == "5e1f00d2"
        assert caught.value.hint is not None and "reasoning force-unlock 5e1f00d2" in caught.value.hint

    def test_a_lock_whose_holder_died_on_this_host_is_taken_over_at_once(self, store: Store) -> None:
        here, dead = socket.gethostname(), finished_pid()
        store.acquire_lock("demo", "alice pid", now=NOW, ttl=TTL, host=here, pid=dead)
        previous = store.acquire_lock("demo", "bob", now=NOW + timedelta(seconds=1), ttl=TTL, host=here, pid=1)
        assert previous is not None and previous.pid == dead and previous.host == here
        lock = store.lock("demo")
        assert lock is not None and lock.owner == "bob" and lock.pid == 1

    def test_a_running_holder_or_one_on_another_host_keeps_its_lock(self, store: Store) -> None:
        here, dead = socket.gethostname(), finished_pid()
        store.acquire_lock("demo", "alice", now=NOW, ttl=TTL, host=here, pid=os.getpid())
        store.acquire_lock("other", "carol", now=NOW, ttl=TTL, host="ci-runner-3", pid=dead)
        with pytest.raises(LockHeld, match="locked by alice"):
            store.acquire_lock("demo", "bob", now=NOW, ttl=TTL, host=here, pid=1)
        with pytest.raises(LockHeld, match="locked by carol"):  # its pid means nothing here
            store.acquire_lock("other", "bob", now=NOW, ttl=TTL, host=here, pid=1)

    def test_force_unlock_removes_only_the_lock_it_names(self, store: Store) -> None:
        store.acquire_lock("demo", "alice", now=NOW, ttl=TTL, lock_id="aaaa0001")
        assert not store.force_unlock("demo", "bbbb0002")
        assert store.lock("demo") is not None
        assert store.force_unlock("demo", "aaaa0001")
        assert store.lock("demo") is None

    def test_an_expired_lock_is_taken_over_and_reported(self, store: Store) -> None:
        store.acquire_lock("demo", "alice", now=NOW, ttl=TTL)
        previous = store.acquire_lock("demo", "bob", now=NOW + TTL, ttl=TTL)
        assert previous is not None and previous.owner == "alice"
        lock = store.lock("demo")
        assert lock is not None and lock.owner == "bob"

    def test_renewing_pushes_the_expiry(self, store: Store) -> None:
        store.acquire_lock("demo", "alice", now=NOW, ttl=TTL)
        store.renew_lock("demo", "alice", now=NOW + timedelta(minutes=10), ttl=TTL)
        with pytest.raises(LockHeld):
            store.acquire_lock("demo", "bob", now=NOW + TTL, ttl=TTL)

    def test_only_the_owner_releases(self, store: Store) -> None:
        store.acquire_lock("demo", "alice", now=NOW, ttl=TTL)
        store.release_lock("demo", "bob")
        assert store.lock("demo") is not None
        store.release_lock("demo", "alice")
        assert store.lock("demo") is None

    def test_locks_are_per_project(self, store: Store) -> None:
        store.acquire_lock("demo", "alice", now=NOW, ttl=TTL)
        assert store.acquire_lock("other", "bob", now=NOW, ttl=TTL) is None

    def test_of_many_racing_for_the_lock_exactly_one_wins(self, store_url: str) -> None:
        stores = [Store(store_url) for _ in range(8)]
        barrier = threading.Barrier(len(stores))
        outcomes: list[str] = []

        def race(index: int) -> None:
            barrier.wait()
            try:
                stores[index].acquire_lock("demo", f"racer {index}", now=NOW, ttl=TTL)
                outcomes.append("won")
            except LockHeld:
                outcomes.append("refused")

        threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["refused"] * 7 + ["won"]

    def test_racing_take_overs_of_an_expired_lock_have_one_winner(self, store_url: str) -> None:
        Store(store_url).acquire_lock("demo", "crashed", now=NOW, ttl=TTL)
        stores = [Store(store_url) for _ in range(6)]
        barrier = threading.Barrier(len(stores))
        winners: list[int] = []

        def race(index: int) -> None:
            barrier.wait()
            try:
                stores[index].acquire_lock("demo", f"racer {index}", now=NOW + 2 * TTL, ttl=TTL)
                winners.append(index)
            except LockHeld:
                pass

        threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(winners) == 1


def finished_pid() -> int:
    """The pid of a process that has exited (and been reaped): nothing runs under it now."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


class TestErrors:
    def test_an_unreachable_database_is_a_store_error_without_the_password(self) -> None:
        with pytest.raises(StoreError) as caught:
            Store("postgresql+psycopg://user:hunter2@127.0.0.1:1/db")
        assert "hunter2" not in str(caught.value) and "127.0.0.1:1" in str(caught.value)
