"""The apply lock's row: one per project, with an id, an owner (and the host and pid it runs as)
and an expiry. `controlplane.lock` holds it; `reasoning force-unlock ID` removes it by its id.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from controlplane.errors import LockHeld
from controlplane.store.database import Database
from controlplane.store.tables import locks as table
from controlplane.values import Lock

#: how often to try again when the lock changed hands between reading it and taking it over
ATTEMPTS = 5


def new_id() -> str:
    return uuid.uuid4().hex[:8]


def running(pid: int) -> bool:
    """Whether a process with this pid runs on this host (one we may not signal runs too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # no such call (Windows' os.kill would end the process): assume it runs
        return True
    return True


def gone(held: Lock, host: str | None) -> bool:
    """The holder ran on this host and its process no longer does: its lock is free at once."""
    return host is not None and held.host == host and held.pid is not None and not running(held.pid)


class Locks:
    def __init__(self, database: Database) -> None:
        self.database = database

    def acquire_lock(
        self,
        project: str,
        owner: str,
        *,
        now: datetime,
        ttl: timedelta,
        lock_id: str | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> Lock | None:
        """Take the project's lock; returns the lock it took over, if it had expired or its
        holder (on this `host`) is no longer running.

        Raises LockHeld naming the holder and the lock's id when someone else holds a live lock.
        Both the insert and the take-over are single statements, so two racing callers cannot
        both win.
        """
        ours = {
            "id": lock_id or new_id(),
            "owner": owner,
            "host": host,
            "pid": pid,
            "acquired_at": now,
            "expires_at": now + ttl,
        }
        for _ in range(ATTEMPTS):
            try:
                with self.database.transaction("lock") as connection:
                    connection.execute(insert(table).values(project=project, **ours))
                return None
            except IntegrityError:
                pass  # held, or expired: read who holds it
            with self.database.transaction("lock") as connection:
                row = connection.execute(select(table).where(table.c.project == project)).first()
                if row is None:
                    continue  # released between our insert and our read
                held = Lock.model_validate(row, from_attributes=True)
                free = held.expires_at <= now or gone(held, host)
                if not free:
                    raise held_by(held)
                taken = connection.execute(
                    update(table).where(table.c.project == project, table.c.id == held.id).values(**ours)
                )
                if taken.rowcount == 1:
                    return held
            # someone else took it over first: read again
        raise LockHeld(
            f"project {project}'s lock changed hands {ATTEMPTS} times while we tried to take it",
            hint="another apply or reconcile keeps taking it; wait for them to finish",
        )

    def renew_lock(self, project: str, owner: str, *, now: datetime, ttl: timedelta) -> None:
        with self.database.transaction("lock") as connection:
            connection.execute(
                update(table).where(table.c.project == project, table.c.owner == owner).values(expires_at=now + ttl)
            )

    def release_lock(self, project: str, owner: str) -> None:
        with self.database.transaction("unlock") as connection:
            connection.execute(delete(table).where(table.c.project == project, table.c.owner == owner))

    def force_unlock(self, project: str, lock_id: str) -> bool:
        """Remove the project's lock if its id is `lock_id`, whoever holds it; whether it did."""
        with self.database.transaction("unlock") as connection:
            removed = connection.execute(delete(table).where(table.c.project == project, table.c.id == lock_id))
        return removed.rowcount == 1

    def lock(self, project: str) -> Lock | None:
        with self.database.transaction("read") as connection:
            row = connection.execute(select(table).where(table.c.project == project)).first()
        return None if row is None else Lock.model_validate(row, from_attributes=True)


def held_by(held: Lock) -> LockHeld:
    return LockHeld(
        f"project {held.project} is locked by {held.owner} since {held.acquired_at:%Y-%m-%d %H:%M:%S} UTC "
        f"(expires {held.expires_at:%H:%M:%S} UTC); lock id {held.id}",
        hint=f"wait for it to finish; if nothing holds it any more: reasoning force-unlock {held.id}",
        lock_id=held.id,
    )
