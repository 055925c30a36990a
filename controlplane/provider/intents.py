"""What apply asks of a provider: outcomes, in the project's own values, never wire requests.

`apply` (and reconcile through it) speaks only this protocol. Each intent says what should be
true when it returns and is safe to repeat: asking again for what already holds changes nothing,
and asking again after an attempt whose answer was lost finds that attempt's result and adopts it.
How that is done on a given service (etags, update masks, state prefixes, retries on a stale
etag, Together's ordering rules such as "stop before delete") is the backend's business:
`controlplane.provider.Provider` is the Together backend.

    observe             every endpoint of the project, as `RemoteRole`s (a refresh)
    observe_role        one role's endpoint, found by id or by its deterministic name
    observe_deployment  one deployment as it is now
    ensure_endpoint     the role's endpoint exists (created, or adopted when it already does)
    ensure_deployment   a deployment of this spec exists on the endpoint, at the spec's replicas
    scale               a deployment's replica range is (min, max)
    route               the endpoint's traffic split is exactly these weights
    stop                a deployment is scaled to 0/0 (it stops; it stays, and can start again)
    retire              deployments are gone: stop, wait for STOPPED, out of the split, delete
    delete              the endpoint is gone (its deployments retired first)

An endpoint with an active rollout (`RemoteRole.rollout`) belongs to that rollout: `route` and
`ensure_deployment` raise `RolloutInProgress` rather than fight it, and the plan holds the role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from controlplane.values import RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog

#: Called between looks while an intent waits (for STOPPED): the caller renews its lock, sleeps,
#: and raises (WaitTimeout) once it will wait no longer. The argument says what is awaited.
Pause = Callable[[str], None]
#: (step, what happened) as a retirement goes: `stop`, `stopped`, `unroute`, `delete`.
Note = Callable[[str, str], None]


class Intents(Protocol):
    @property
    def project(self) -> str: ...

    def catalog(self, models: Iterable[str] = ()) -> Catalog: ...

    def observe(self, roles: Iterable[str], catalog: Catalog, known: Iterable[str] = ()) -> dict[str, RemoteRole]: ...

    def observe_role(self, role: str, endpoint_id: str | None = None) -> RemoteRole | None: ...

    def observe_deployment(self, endpoint_id: str, deployment_id: str) -> RemoteDeployment | None: ...

    def ensure_endpoint(self, role: str, endpoint_id: str | None = None) -> RemoteRole: ...

    def ensure_deployment(self, endpoint_id: str, spec: Spec, catalog: Catalog) -> RemoteDeployment: ...

    def scale(self, endpoint_id: str, deployment_id: str, min_replicas: int, max_replicas: int) -> None: ...

    def route(self, endpoint_id: str, weights: Mapping[str, float]) -> RemoteRole: ...

    def stop(self, endpoint_id: str, deployment_id: str) -> None: ...

    def retire(self, endpoint_id: str, deployment_ids: Iterable[str], *, pause: Pause, note: Note) -> None: ...

    def delete(self, endpoint_id: str) -> None: ...
