"""Every error `reasoning` raises on purpose, as one tree.

Each error is either temporary (the same call may succeed later: retry it, or let the next run
catch up) or permanent (nothing changes until someone changes something). That split, not a flag,
decides retries and exit codes; the CLI's one boundary reads `exit_code` and `hint`.

    ReasoningError
    ├── PermanentError                  exit 1; `hint` says what to change
    │   ├── ManifestError               the file: bad YAML, unknown key, wrong type (file:line field)
    │   ├── SecretMissing               an env var the manifest names is not set
    │   ├── PlanError                   the desired state cannot be planned
    │   │   ├── UnknownHardware / ModelNotAvailable
    │   │   ├── CostLimitExceeded       worst case above max_cost_per_hour_usd
    │   │   └── StalePlan               a saved plan whose world has changed since
    │   ├── ApplyError                  a step of apply did not reach its goal
    │   │   ├── DeploymentFailed / WaitTimeout
    │   │   └── ApplyInterrupted    exit 130: Ctrl-C, honoured between two steps
    │   ├── LockNotFound                force-unlock: no lock, or not the one named
    │   ├── ReportError                 a cost report that cannot be made
    │   │   └── UnknownGrouping / EmptySpan     by what it cannot group by; since not before until
    │   ├── StoreError                  the state database could not be used
    │   │   ├── StoreNewer              its schema is from a newer reasoning
    │   │   ├── StoreStateLost          an empty file, or tables gone, where state was
    │   │   ├── StoreCorrupt            not a database, or a damaged one (SQLite)
    │   │   └── StoreReadOnly           a write to a store opened read-only
    │   └── DataError                   training data: an unknown sample, an export that cannot be written
    ├── TemporaryError                  exit 4; retried where retrying is safe
    │   ├── LockHeld                    exit 3: another apply or reconcile holds the project's lock
    │   └── RolloutInProgress           Together is rolling a role out: its traffic is not ours to move
    └── ProviderError                   anything the provider said or failed to say
        ├── ProviderUnreachable         connection refused, DNS, timeout   (temporary)
        ├── RateLimited                 429                                (temporary)
        ├── ProviderServerError         5xx                                (temporary)
        ├── AuthenticationFailed        401 / 403                          (permanent)
        ├── NotFound                    404                                (permanent)
        ├── Conflict                    409: stale etag or name taken      (permanent: re-read first)
        └── InvalidRequest              any other 4xx                      (permanent)

Layers translate what they catch (httpx, sqlalchemy, aiohttp) into this tree, so nothing foreign
leaks into the CLI, which prints `str(error)` and the hint on one line each and exits with
`exit_code`.
"""

from __future__ import annotations

from datetime import datetime


class ReasoningError(Exception):
    exit_code = 1
    retryable = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class PermanentError(ReasoningError):
    """Retrying changes nothing: the input, the configuration or the world must change first."""


class TemporaryError(ReasoningError):
    """The same call may succeed later; whoever retries (the client, the next cron run) is safe to."""

    exit_code = 4
    retryable = True


class ManifestError(PermanentError):
    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.line, self.column, self.field = file, line, column, field
        self.reason = message
        where = file if line is None else f"{file}:{line}" + (f":{column}" if column else "")
        text = f"{where}: {field}: {message}" if field else f"{where}: {message}"
        super().__init__(text, hint=hint)


class SecretMissing(PermanentError):
    pass


class ProviderError(ReasoningError):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status, self.code, self.request_id = status, code, request_id


class ProviderUnreachable(ProviderError, TemporaryError):
    pass


class AuthenticationFailed(ProviderError, PermanentError):
    pass


class NotFound(ProviderError, PermanentError):
    pass


class Conflict(ProviderError, PermanentError):
    pass


class RateLimited(ProviderError, TemporaryError):
    pass


class ProviderServerError(ProviderError, TemporaryError):
    pass


class InvalidRequest(ProviderError, PermanentError):
    pass


class PlanError(PermanentError):
    pass


class UnknownHardware(PlanError):
    pass


class ModelNotAvailable(PlanError):
    pass


class CostLimitExceeded(PlanError):
    pass


class StalePlan(PlanError):
    pass


class ApplyError(PermanentError):
    pass


class DeploymentFailed(ApplyError):
    pass


class WaitTimeout(ApplyError):
    pass


class ApplyInterrupted(ApplyError):
    """Ctrl-C during apply: it stopped between two steps; `done` and `left` name them."""

    exit_code = 130

    def __init__(self, message: str, *, done: tuple[str, ...] = (), left: tuple[str, ...] = (),
                 hint: str | None = None) -> None:  # fmt: skip
        super().__init__(message, hint=hint)
        self.done, self.left = done, left


class ReportError(PermanentError):
    pass


class UnknownGrouping(ReportError):
    pass


class EmptySpan(ReportError):
    """A report asked for a span with nothing in it; `cut_to_now` when `until` was cut to now."""

    def __init__(self, since: datetime, until: datetime, *, cut_to_now: bool) -> None:
        self.since, self.until, self.cut_to_now = since, until, cut_to_now
        super().__init__(
            f"the report's span is empty: it starts {since:%Y-%m-%d %H:%M} UTC, not before its end "
            f"{until:%Y-%m-%d %H:%M} UTC" + (" (the end is cut to now)" if cut_to_now else "")
        )


class LockHeld(TemporaryError):
    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None, lock_id: str | None = None) -> None:
        super().__init__(message, hint=hint)
        #: the held lock's id, for `reasoning force-unlock` (None: it changed hands while we looked)
        self.lock_id = lock_id


class LockNotFound(PermanentError):
    """`force-unlock ID`: the project holds no lock, or another one than ID."""


class RolloutInProgress(TemporaryError):
    """An endpoint has an active rollout (`activeRolloutId`): Together moves its split and replicas
    until the rollout ends, so apply changes neither (and plans nothing for the role meanwhile)."""


class StoreError(PermanentError):
    pass


class StoreNewer(StoreError):
    """The database's schema revision is one this version does not know: a newer one wrote it."""


class StoreStateLost(StoreError):
    """State that was there is gone: an existing file that is empty, or tables that went missing."""


class DataError(PermanentError):
    """Training data the command cannot work with: no such sample, an output it must not overwrite."""


class StoreCorrupt(StoreError):
    """The file is not a database, or a damaged one: reading it could give wrong answers."""


class StoreReadOnly(StoreError):
    """The store can be read but not written (a read-only file, directory or mount)."""
