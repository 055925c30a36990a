"""The project's apply lock, as apply and reconcile hold it: one writer per project at a time.

The store keeps the lock (an id, an owner with its host and pid, and an expiry); this module
waits for it, names its owner, renews it while a long wait goes on, and records a take-over as an
event and a warning in the log. A lock is taken over once it expired, or at once when its holder
ran on this host and is no longer running (a `kill -9`, a crash); anything else waits for
`reasoning force-unlock ID`, as Terraform's does.
"""

from __future__ import annotations

import getpass
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from controlplane import clock
from controlplane.errors import LockHeld, LockNotFound
from controlplane.store import Event, Lock, Store

LOCK_TTL = timedelta(minutes=15)

log = logging.getLogger(__name__)


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
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)

    @property
    def owner(self) -> str:
        return f"{actor()} pid {self.pid} #{self.id}"

    def renew(self) -> None:
        self.store.renew_lock(self.project, self.owner, now=clock.now(), ttl=LOCK_TTL)


@contextmanager
def locked(store: Store, project: str, *, timeout: timedelta = timedelta(0)) -> Iterator[ProjectLock]:
    """Hold the project's apply lock; wait up to `timeout` for it, take it over once expired."""
    lock = ProjectLock(store, project)
    deadline = clock.now() + timeout
    while True:
        try:
            previous = store.acquire_lock(
                project, lock.owner, now=clock.now(), ttl=LOCK_TTL, lock_id=lock.id, host=lock.host, pid=lock.pid
            )
            break
        except LockHeld:
            if clock.now() >= deadline:
                raise
            clock.sleep(min(5.0, max(0.5, (deadline - clock.now()).total_seconds())))
    if previous is not None:
        why = taken_over(previous)
        log.warning("took over project %s's lock %s: %s", project, previous.id, why)
        store.add_event(
            Event(at=clock.now(), project=project, role=None, actor=lock.owner, kind="lock.takeover", reason=why)
        )
    try:
        yield lock
    finally:
        store.release_lock(project, lock.owner)


def taken_over(previous: Lock) -> str:
    """Why a lock was free to take: its holder is gone, or its time ran out."""
    if previous.expires_at > clock.now():
        return f"lock {previous.id} of {previous.owner}: pid {previous.pid} on {previous.host} is no longer running"
    return f"lock {previous.id} of {previous.owner} expired at {previous.expires_at:%Y-%m-%d %H:%M:%S} UTC"


def force_unlock(
    store: Store, project: str, lock_id: str, *, confirm: Callable[[Lock], bool] | None = None
) -> Lock | None:
    """Remove the project's lock `lock_id`, whoever holds it, once `confirm` (if given) agrees;
    returns the lock removed (None: `confirm` declined). Recorded as a `lock.force-unlock` event."""
    held = store.lock(project)
    if held is None:
        raise LockNotFound(f"project {project} is not locked", hint="nothing to unlock")
    if held.id != lock_id:
        raise LockNotFound(
            f"project {project}'s lock is {held.id} (held by {held.owner}), not {lock_id}",
            hint=f"reasoning force-unlock {held.id}, if that is the one to remove",
        )
    if confirm is not None and not confirm(held):
        return None
    if not store.force_unlock(project, lock_id):
        raise LockNotFound(f"project {project}'s lock {lock_id} was released or taken over meanwhile")
    log.warning("force-unlocked project %s's lock %s of %s", project, held.id, held.owner)
    store.add_event(
        Event(
            at=clock.now(),
            project=project,
            role=None,
            actor=actor(),
            kind="lock.force-unlock",
            reason=f"lock {held.id} of {held.owner}, held since {held.acquired_at:%Y-%m-%d %H:%M:%S} UTC",
        )
    )
    return held
