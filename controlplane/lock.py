"""The project's apply lock, as apply and reconcile hold it: one writer per project at a time.

The store keeps the lock (an owner and an expiry, taken over once expired); this module waits for
it, names its owner, renews it while a long wait goes on, and records a take-over as an event.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from controlplane import clock
from controlplane.errors import LockHeld
from controlplane.store import Event, Store

LOCK_TTL = timedelta(minutes=15)


def actor() -> str:
    """Who is running this: `user@host`, as events and lock owners name them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"  # no passwd entry (a container's arbitrary uid): the host still names it
    return f"{user}@{socket.gethostname()}"


@dataclass
class ProjectLock:
    store: Store
    project: str
    owner: str = field(default_factory=lambda: f"{actor()} pid {os.getpid()} #{uuid.uuid4().hex[:6]}")

    def renew(self) -> None:
        self.store.renew_lock(self.project, self.owner, now=clock.now(), ttl=LOCK_TTL)


@contextmanager
def locked(store: Store, project: str, *, timeout: timedelta = timedelta(0)) -> Iterator[ProjectLock]:
    """Hold the project's apply lock; wait up to `timeout` for it, take it over once expired."""
    lock = ProjectLock(store, project)
    deadline = clock.now() + timeout
    while True:
        try:
            previous = store.acquire_lock(project, lock.owner, now=clock.now(), ttl=LOCK_TTL)
            break
        except LockHeld:
            if clock.now() >= deadline:
                raise
            clock.sleep(min(5.0, max(0.5, (deadline - clock.now()).total_seconds())))
    if previous is not None:
        store.add_event(
            Event(
                at=clock.now(),
                project=project,
                role=None,
                actor=lock.owner,
                kind="lock.takeover",
                reason=f"lock of {previous.owner} expired at {previous.expires_at:%Y-%m-%d %H:%M:%S} UTC",
            )
        )
    try:
        yield lock
    finally:
        store.release_lock(project, lock.owner)
