"""Every error `reasoning` raises on purpose, as one tree.

    ReasoningError                      exit 1; `hint` says what to do next
    ├── ManifestError                   the file: bad YAML, unknown key, wrong type (file:line field)
    ├── SecretMissing                   an env var the manifest names is not set
    ├── ProviderError                   anything the provider said or failed to say
    │   ├── ProviderUnreachable         connection refused, DNS, timeout   (retryable)
    │   ├── AuthenticationFailed        401 / 403
    │   ├── NotFound                    404
    │   ├── Conflict                    409: stale etag or name taken      (retryable)
    │   ├── RateLimited                 429                                (retryable)
    │   ├── ProviderServerError         5xx                                (retryable)
    │   └── InvalidRequest              any other 4xx
    ├── PlanError                       the desired state cannot be planned
    │   ├── UnknownHardware / ModelNotAvailable
    │   ├── CostLimitExceeded           worst case above max_cost_per_hour_usd
    │   └── StalePlan                   a saved plan whose world has changed since
    ├── ApplyError                      a step of apply did not reach its goal
    │   └── DeploymentFailed / WaitTimeout
    ├── LockHeld                        another apply holds the project's lock
    └── StoreError                      the state database could not be used

Layers translate what they catch (httpx, sqlalchemy) into this tree, so nothing foreign leaks into
the CLI, which prints `str(error)` and the hint on one line each and exits with `exit_code`.
"""

from __future__ import annotations


class ReasoningError(Exception):
    exit_code = 1
    retryable = False

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


class ManifestError(ReasoningError):
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


class SecretMissing(ReasoningError):
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


class ProviderUnreachable(ProviderError):
    retryable = True


class AuthenticationFailed(ProviderError):
    pass


class NotFound(ProviderError):
    pass


class Conflict(ProviderError):
    retryable = True


class RateLimited(ProviderError):
    retryable = True


class ProviderServerError(ProviderError):
    retryable = True


class InvalidRequest(ProviderError):
    pass


class PlanError(ReasoningError):
    pass


class UnknownHardware(PlanError):
    pass


class ModelNotAvailable(PlanError):
    pass


class CostLimitExceeded(PlanError):
    pass


class StalePlan(PlanError):
    pass


class ApplyError(ReasoningError):
    pass


class DeploymentFailed(ApplyError):
    pass


class WaitTimeout(ApplyError):
    pass


class LockHeld(ReasoningError):
    pass


class StoreError(ReasoningError):
    pass
