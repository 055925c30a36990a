"""Who runs the models: Together.ai's v2 API, or the simulator standing in for it.

`connect(manifest)` builds the one `TogetherClient` for the manifest (an in-process simulator is
just another httpx transport), and `Provider` turns Together's resources into the values the plan
compares: `RemoteRole`s per role, and the `Catalog`.

Identity: a role's endpoint is named `<project>-<role>`; its deployments are named
`rs-<project hash>-<spec hash>`, so a crashed apply finds and adopts what it already created
instead of creating it twice, and endpoints of another project that shares our name prefix are
never mistaken for ours.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from controlplane.errors import NotFound, SecretMissing
from controlplane.manifest import Manifest, endpoint_name
from controlplane.manifest.schema import normalize_role
from controlplane.provider.together import TogetherClient
from controlplane.provider.types import Endpoint
from controlplane.values import DeploymentState, RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog, Hardware

SIMULATOR_URL = "http://simulator.invalid"


def connect(manifest: Manifest) -> TogetherClient:
    provider = manifest.provider
    if provider.type == "simulator":
        from controlplane.provider.simulator.transport import SimulatorTransport

        transport = SimulatorTransport(manifest.path(provider.state_file), provision_seconds=provider.provision_seconds)
        return TogetherClient(SIMULATOR_URL, "simulator", project_id=None, transport=transport, max_retries=0)
    api_key = os.environ.get(provider.api_key_env)
    if not api_key:
        raise SecretMissing(
            f"{provider.api_key_env} is not set (provider.api_key_env, {manifest.where('provider')})",
            hint=f"export {provider.api_key_env}=<your Together API key>",
        )
    return TogetherClient(
        provider.base_url,
        api_key,
        project_id=os.environ.get(provider.project_id_env) or None,
        timeout=provider.timeout_seconds,
        max_retries=provider.max_retries,
    )


def deployment_name(project: str, spec: Spec) -> str:
    return f"rs-{_digest(project, 6)}-{_digest(f'{spec.model}|{spec.hardware}', 8)}"


def owned_by(project: str, deployment: str) -> bool:
    return deployment.startswith(f"rs-{_digest(project, 6)}-")


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:size]


_STATES: dict[str, DeploymentState] = {
    "DEPLOYMENT_STATE_PROVISIONING": "PROVISIONING",
    "DEPLOYMENT_STATE_READY": "READY",
    "DEPLOYMENT_STATE_SCALING": "SCALING",
    "DEPLOYMENT_STATE_DEGRADED": "DEGRADED",
    "DEPLOYMENT_STATE_FAILED": "FAILED",
    "DEPLOYMENT_STATE_STOPPED": "STOPPED",
    "DEPLOYMENT_STATE_STOPPING": "STOPPING",
}


class Provider:
    """The control plane's view of one project on Together."""

    def __init__(self, client: TogetherClient, project: str) -> None:
        self.client = client
        self.project = project

    def catalog(self, models: Iterable[str] = ()) -> Catalog:
        """Hardware and models, plus the configs of `models` (the ones a plan may deploy)."""
        hardware = {
            t.id: Hardware(id=t.id, name=t.name, usd_per_hour=t.usd_per_hour) for t in self.client.instance_types()
        }
        known = {m.name: m.resource for m in self.client.models()}
        configs: dict[str, dict[str, str]] = {}
        for name in sorted(set(models)):
            if name in known:
                found = self.client.configs(known[name])
                configs[name] = {c.instance_type: c.resource for c in found if c.instance_type}
        return Catalog(hardware=hardware, models=known, configs=configs)

    def refresh(self, roles: Iterable[str], catalog: Catalog, known: Iterable[str] = ()) -> dict[str, RemoteRole]:
        """Every endpoint of this project: the manifest's `roles`, and orphans we created or `known`."""
        wanted = {endpoint_name(self.project, r): r for r in roles}
        remembered = {endpoint_name(self.project, r): r for r in known}
        names = {resource: name for name, resource in catalog.models.items()}
        found: dict[str, RemoteRole] = {}
        for endpoint in self.client.endpoints(name_contains=f"{self.project}-"):
            short = endpoint.short_name
            role = wanted.get(short) or remembered.get(short)
            if (
                role is None
                and short.startswith(f"{self.project}-")
                and any(owned_by(self.project, d.short_name) for d in endpoint.deployments)
            ):
                role = normalize_role(short.removeprefix(f"{self.project}-"))
            if role is not None:
                found[role] = _remote_role(role, endpoint, names)
        return found

    def endpoint(self, role: str) -> Endpoint | None:
        """Look a role's endpoint up by name: how apply adopts what a crashed run created."""
        return self.client.find_endpoint(endpoint_name(self.project, role))

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None:
        try:
            return self.client.get_endpoint(endpoint_id)
        except NotFound:
            return None


def _remote_role(role: str, endpoint: Endpoint, model_names: dict[str, str]) -> RemoteRole:
    deployments = []
    for summary in sorted(endpoint.deployments, key=lambda d: d.created_at):
        resource = summary.model.split("/revisions/")[0]
        spec = Spec(
            model=model_names.get(resource, summary.model),
            hardware=summary.hardware or "",
            min_replicas=summary.autoscaling.min_replicas or 0,
            max_replicas=summary.autoscaling.max_replicas or 0,
        )
        deployments.append(
            RemoteDeployment(
                id=summary.id,
                name=summary.short_name,
                spec=spec,
                state=_STATES.get(summary.state, "DEGRADED"),
                ready_replicas=summary.ready_replicas or 0,
            )
        )
    return RemoteRole(
        role=role,
        endpoint_id=endpoint.id,
        endpoint_name=endpoint.short_name,
        etag=endpoint.etag,
        traffic={t.deployment_id: t.weight for t in endpoint.traffic_split},
        deployments=tuple(deployments),
    )
