"""Who runs the models: Together.ai's v2 API, or the simulator standing in for it.

`connect(manifest)` builds the one `TogetherClient` for the manifest (an in-process simulator is
just another httpx transport), and `Provider` turns Together's resources into the values the plan
compares: `RemoteRole`s per role, and the `Catalog`. Wire values become the project's here:
hardware in whichever form Together reports it becomes the catalog's instance type id; a config's
`accelerator_*` selectors name its hardware; a derived model's configs are its base model's; a
public model's weights and configs are its deployment profiles' (platform-owned) resources.

`Provider` is also the Together backend of the intents apply speaks (`provider.intents`):
etags, update masks, `DEPLOYMENT_STATE_` prefixes, re-reading after a stale etag (a retried PATCH
whose first attempt landed), adopting after a 409 (a retried POST whose first attempt landed) and
Together's ordering rules (a deployment is deleted only once STOPPED and out of the split) live
here and nowhere else.

Identity: a role's endpoint is named `<project>-<role>`; its deployments are named
`rs-<project hash>-<spec hash>`, so a crashed apply finds and adopts what it already created
instead of creating it twice, and endpoints of another project that shares our name prefix are
never mistaken for ours.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from contextlib import suppress

from controlplane.errors import Conflict, NotFound, RolloutInProgress, SecretMissing
from controlplane.manifest import Manifest, endpoint_name
from controlplane.manifest.schema import normalize_role
from controlplane.provider import _httpx_cli  # noqa: F401  (before httpx: see its docstring)
from controlplane.provider.intents import Intents, Note, Pause
from controlplane.provider.together import TogetherClient
from controlplane.provider.types import Config, Deployment, DeploymentProfile, Endpoint, SupportedModel
from controlplane.values import DeploymentState, RemoteDeployment, RemoteRole, Spec
from controlplane.values.catalog import Catalog, Hardware, Profile

SIMULATOR_URL = "http://simulator.invalid"
#: how often a write refused for a stale etag is re-read and tried again before giving up
ETAG_ATTEMPTS = 5

__all__ = ["Intents", "Provider", "connect", "deployment_name", "owned_by"]


def connect(manifest: Manifest) -> TogetherClient:
    provider = manifest.provider
    if provider.type == "simulator":
        from controlplane.provider.simulator.transport import SimulatorTransport

        transport = SimulatorTransport(manifest.path(provider.state_file), provision_seconds=provider.provision_seconds)
        return TogetherClient(
            SIMULATOR_URL, "simulator", project_id=None, transport=transport, max_retries=provider.max_retries
        )
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
        #: the last catalog built or observed with, to name models and hardware as the plan does
        self._catalog: Catalog | None = None
        self._names: dict[str, str] = {}

    def catalog(self, models: Iterable[str] = ()) -> Catalog:
        """Hardware and models, plus the configs of `models` (the ones a plan may deploy): a project
        model's own and its base model's, and for a name that is not the project's, the deployment
        profiles of the public model of that name."""
        hardware = {
            t.id: Hardware(
                id=t.id, name=t.name, usd_per_hour=t.usd_per_hour, gpu_type=t.gpu_type, gpu_count=t.gpu_count
            )
            for t in self.client.instance_types()
        }
        catalog = Catalog(hardware=hardware, models={})
        own = {m.name: m for m in self.client.models()}
        known = {name: m.resource for name, m in own.items()}
        configs: dict[str, dict[str, str]] = {}
        public: dict[str, tuple[Profile, ...]] = {}
        supported: list[SupportedModel] | None = None
        for name in sorted(set(models)):
            model = own.get(name)
            if model is not None:
                found = self.client.configs(model.resource)
                if model.base_model:
                    found += self.client.configs(model.base_model)
                configs[name] = _fits(found, catalog, self.client)
                if configs[name] or not model.base_model:
                    continue
                # Together often lists no configs for a public architecture: its deployment
                # profiles are the source of truth (docs: models-and-configs.md).
                supported = supported if supported is not None else self.client.supported_models()
                base = model.base_model
                profiles = [p for e in supported for p in e.deployment_profiles if _weights(p.model) == base]
                configs[name] = {h: p.config for h, p in _by_hardware(profiles, catalog, self.client).items()}
                continue
            supported = supported if supported is not None else self.client.supported_models()
            chosen = _profiles_of(name, supported)
            if not chosen:
                continue
            placed = [(p, _profile_hardware(p, catalog, self.client)) for p in chosen]
            public[name] = tuple(
                Profile(id=p.profile_id, model=p.model_name, hardware=h, quantization=p.quantization)
                for p, h in placed
                if h is not None
            )
            for profile, where in placed:
                if where is not None:
                    known.setdefault(profile.model_name, profile.model)
                    configs.setdefault(profile.model_name, {}).setdefault(where, profile.config)
        built = catalog.model_copy(update={"models": known, "configs": configs, "public": public})
        self._catalog, self._names = built, {_weights(resource): name for name, resource in known.items()}
        return built

    def observe(self, roles: Iterable[str], catalog: Catalog, known: Iterable[str] = ()) -> dict[str, RemoteRole]:
        """Every endpoint of this project: the manifest's `roles`, and orphans we created or `known`."""
        wanted = {endpoint_name(self.project, r): r for r in roles}
        remembered = {endpoint_name(self.project, r): r for r in known}
        names = {_weights(resource): name for name, resource in catalog.models.items()}
        self._catalog, self._names = catalog, names
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
                found[role] = _remote_role(role, endpoint, names, catalog)
        return found

    #: the name `planning` and older callers use for a refresh
    refresh = observe

    def endpoint(self, role: str) -> Endpoint | None:
        """Look a role's endpoint up by name: how apply adopts what a crashed run created."""
        return self.client.find_endpoint(endpoint_name(self.project, role))

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None:
        try:
            return self.client.get_endpoint(endpoint_id)
        except NotFound:
            return None

    # -- the intents apply speaks (provider.intents) -----------------------------------------

    def observe_role(self, role: str, endpoint_id: str | None = None) -> RemoteRole | None:
        endpoint = self._find(role, endpoint_id)
        return self._value(role, endpoint) if endpoint is not None else None

    def observe_deployment(self, endpoint_id: str, deployment_id: str) -> RemoteDeployment | None:
        try:
            return self._deployment_value(self.client.get_deployment(endpoint_id, deployment_id))
        except NotFound:
            return None

    def ensure_endpoint(self, role: str, endpoint_id: str | None = None) -> RemoteRole:
        found = self._find(role, endpoint_id)
        if found is not None:
            return self._value(role, found)
        try:
            created = self.client.create_endpoint(endpoint_name(self.project, role))
        except Conflict:
            # The name is taken: by our own earlier attempt whose answer was lost (the client
            # retried the POST), or by a run that crashed after creating it. Adopt it.
            adopted = self.endpoint(role)
            if adopted is None:
                raise
            created = adopted
        return self._value(role, created)

    def ensure_deployment(self, endpoint_id: str, spec: Spec, catalog: Catalog) -> RemoteDeployment:
        name = deployment_name(self.project, spec)
        endpoint = self.client.get_endpoint(endpoint_id)
        _not_rolling_out(endpoint)
        existing = next((d for d in endpoint.deployments if d.short_name == name), None)
        if existing is None:
            try:
                created = self.client.create_deployment(
                    endpoint_id,
                    name=name,
                    model=catalog.models[spec.model],
                    config=catalog.configs[spec.model][spec.hardware],
                    min_replicas=spec.min_replicas,
                    max_replicas=spec.max_replicas,
                )
                return self._deployment_value(created)
            except Conflict:  # the name is taken: a retried POST whose first attempt landed
                fresh = self.client.get_endpoint(endpoint_id)
                existing = next((d for d in fresh.deployments if d.short_name == name), None)
                if existing is None:
                    raise
        self.scale(endpoint_id, existing.id, spec.min_replicas, spec.max_replicas)
        return self._deployment_value(self.client.get_deployment(endpoint_id, existing.id))

    def scale(self, endpoint_id: str, deployment_id: str, min_replicas: int, max_replicas: int) -> None:
        """Set the replica range unless it already is that. No etag is sent: the mask names both
        bounds, so a retried PATCH whose first attempt landed sets the same thing again."""
        current = self.client.get_deployment(endpoint_id, deployment_id).autoscaling
        if (current.min_replicas, current.max_replicas) == (min_replicas, max_replicas):
            return
        self.client.scale_deployment(endpoint_id, deployment_id, min_replicas=min_replicas, max_replicas=max_replicas)

    def stop(self, endpoint_id: str, deployment_id: str) -> None:
        self.scale(endpoint_id, deployment_id, 0, 0)

    def route(self, endpoint_id: str, weights: Mapping[str, float]) -> RemoteRole:
        """Make the split exactly `weights` (a zero weight: out of the split). A PATCH refused for
        a stale etag is re-read: if the split is already what we want (our own first attempt
        landed and its answer was lost), that is success; otherwise it is tried again with the
        new etag, a bounded number of times."""
        wanted = {d: w for d, w in weights.items() if w > 0}
        for _ in range(ETAG_ATTEMPTS):
            endpoint = self.client.get_endpoint(endpoint_id)
            _not_rolling_out(endpoint)
            if _same_split({t.deployment_id: t.weight for t in endpoint.traffic_split}, wanted):
                return self._value(None, endpoint)
            try:
                return self._value(None, self.client.set_traffic(endpoint, wanted))
            except Conflict:
                continue  # the etag moved under us: look again
        raise Conflict(
            f"endpoint {endpoint_id}: its traffic split kept changing while we set it ({ETAG_ATTEMPTS} tries)",
            hint="something else is editing the endpoint; apply again once it stops",
        )

    def retire(self, endpoint_id: str, deployment_ids: Iterable[str], *, pause: Pause, note: Note) -> None:
        """Stop each deployment, wait until it is STOPPED, take it out of the split, delete it:
        Together deletes only a stopped deployment (docs: dedicated-model-inference/api-reference.md,
        "a deployment must be stopped first"). Each step looks first, so a repeat after a crash at
        any point picks up where that run was."""
        pending: dict[str, str] = {}
        for deployment_id in deployment_ids:
            try:
                deployment = self.client.get_deployment(endpoint_id, deployment_id)
            except NotFound:
                continue  # already gone
            pending[deployment_id] = _last(deployment.name)
            if (deployment.autoscaling.min_replicas, deployment.autoscaling.max_replicas) != (0, 0):
                note("stop", f"stopping deployment {pending[deployment_id]} (scale to 0/0) before deleting it")
                try:
                    self.client.scale_deployment(endpoint_id, deployment_id, min_replicas=0, max_replicas=0)
                except NotFound:
                    del pending[deployment_id]
        while pending:
            for deployment_id in list(pending):
                try:
                    state = self.client.get_deployment(endpoint_id, deployment_id).status.state
                except NotFound:
                    del pending[deployment_id]
                    continue
                if state != "DEPLOYMENT_STATE_STOPPED":
                    continue
                name = pending.pop(deployment_id)
                note("stopped", f"deployment {name} is STOPPED")
                endpoint = self.client.get_endpoint(endpoint_id)
                split = {t.deployment_id: t.weight for t in endpoint.traffic_split}
                if deployment_id in split:
                    note("unroute", f"taking deployment {name} out of the traffic split")
                    self.route(endpoint_id, {d: w for d, w in split.items() if d != deployment_id})
                note("delete", f"deleting deployment {name}")
                with suppress(NotFound):  # a retried DELETE whose first attempt landed
                    self.client.delete_deployment(endpoint_id, deployment_id)
            if pending:
                pause(", ".join(pending.values()) + " to stop")

    def delete(self, endpoint_id: str) -> None:
        with suppress(NotFound):  # gone already (a retried DELETE whose first attempt landed)
            self.client.delete_endpoint(endpoint_id)

    # -- helpers -------------------------------------------------------------------------------

    def _find(self, role: str, endpoint_id: str | None) -> Endpoint | None:
        """By id when we know it, else by the role's deterministic name (what a crash left)."""
        if endpoint_id is not None:
            found = self.get_endpoint(endpoint_id)
            if found is not None:
                return found
        return self.endpoint(role)

    def _value(self, role: str | None, endpoint: Endpoint) -> RemoteRole:
        name = role or normalize_role(endpoint.short_name.removeprefix(f"{self.project}-"))
        return _remote_role(name, endpoint, self._names, self._catalog)

    def _deployment_value(self, deployment: Deployment) -> RemoteDeployment:
        spec = Spec(
            model=self._names.get(_weights(deployment.model), deployment.model),
            hardware=self._catalog.canonical_hardware(deployment.hardware) if self._catalog else deployment.hardware,
            min_replicas=deployment.autoscaling.min_replicas or 0,
            max_replicas=deployment.autoscaling.max_replicas or 0,
        )
        return RemoteDeployment(
            id=deployment.id,
            name=_last(deployment.name),
            spec=spec,
            state=_STATES.get(deployment.status.state, "DEGRADED"),
            ready_replicas=deployment.status.ready_replicas or 0,
            message=deployment.status.message,
        )


def _not_rolling_out(endpoint: Endpoint) -> None:
    if endpoint.active_rollout_id is not None:
        raise RolloutInProgress(
            f"endpoint {endpoint.short_name} has rollout {endpoint.active_rollout_id} in progress: "
            "its traffic and replicas are the rollout's until it ends",
            hint="let the rollout finish (or cancel it), then apply again",
        )


def _same_split(current: Mapping[str, float], wanted: Mapping[str, float]) -> bool:
    """Weights are ratios (docs: traffic-routing.md): {a: 100} and {a: 1} are the same split."""
    have = {d: w for d, w in current.items() if w > 0}
    if have.keys() != wanted.keys():
        return False
    total_have, total_wanted = sum(have.values()), sum(wanted.values())
    return all(abs(have[d] / total_have - wanted[d] / total_wanted) < 1e-9 for d in have)


def _last(qualified: str) -> str:
    return qualified.rsplit("/", 1)[-1]


def _remote_role(role: str, endpoint: Endpoint, model_names: dict[str, str], catalog: Catalog | None) -> RemoteRole:
    deployments = []
    for summary in sorted(endpoint.deployments, key=lambda d: d.created_at):
        spec = Spec(
            model=model_names.get(_weights(summary.model), summary.model),
            # Whichever form Together reports (instance type id or deployable name), the catalog's
            # id, which is what the plan compares: no false drift from a naming difference.
            hardware=catalog.canonical_hardware(summary.hardware or "") if catalog else summary.hardware or "",
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
        rollout=endpoint.active_rollout_id,
    )


def _weights(resource: str) -> str:
    """`projects/p/models/ml_x/revisions/rv_y` -> `projects/p/models/ml_x`."""
    return resource.split("/revisions/")[0]


def _fits(configs: Iterable[Config], catalog: Catalog, client: TogetherClient) -> dict[str, str]:
    """Instance type id -> config resource; of several configs on one instance type, the
    `balanced` one (Together's default profile), then the first by id, so the choice is stable."""
    ranked = sorted(configs, key=lambda c: (c.selector("optimization") not in (None, "balanced"), c.id))
    fits: dict[str, str] = {}
    for config in ranked:
        name = config.instance_type_name
        if name is None and not config.selectors:  # a stub without selectors: read the whole config
            name = client.get_config(config.resource).instance_type_name
        found = catalog.find_hardware(name) if name else None
        if found is not None:
            fits.setdefault(found.id, config.resource)
    return fits


def _profiles_of(name: str, supported: list[SupportedModel]) -> list[DeploymentProfile]:
    """The profiles of the public model `name`: an entry of that name, or the profiles whose
    weights carry that name (`Qwen/Qwen3.5-9B-FP8`); deprecated and hidden entries are skipped."""
    deployable = [e for e in supported if e.deployable]
    entry = next((e for e in deployable if e.name == name), None)
    if entry is not None:
        return list(entry.deployment_profiles)
    return [p for e in deployable for p in e.deployment_profiles if p.model_name == name]


def _by_hardware(
    profiles: Iterable[DeploymentProfile], catalog: Catalog, client: TogetherClient
) -> dict[str, DeploymentProfile]:
    placed: dict[str, DeploymentProfile] = {}
    for profile in profiles:
        hardware = _profile_hardware(profile, catalog, client)
        if hardware is not None:
            placed.setdefault(hardware, profile)
    return placed


def _profile_hardware(profile: DeploymentProfile, catalog: Catalog, client: TogetherClient) -> str | None:
    """The instance type a profile runs on: the one of its GPU type and count, or, when that is
    not unique, what its config's selectors say."""
    gpu = _loose_gpu(profile.gpu_type)
    matches = [
        h.id
        for h in catalog.hardware.values()
        if h.gpu_count == profile.gpu_count and gpu and (gpu == _loose_gpu(h.gpu_type) or gpu in h.name.lower())
    ]
    if len(matches) == 1:
        return matches[0]
    name = client.get_config(profile.config).instance_type_name
    found = catalog.find_hardware(name) if name else None
    return found.id if found is not None else None


def _loose_gpu(gpu: str) -> str:
    return gpu.lower().removeprefix("nvidia-").removeprefix("nvidia_")
