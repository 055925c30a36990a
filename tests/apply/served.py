"""Whether each role of a manifest is served, as the runtime and the world see it together.

A role is served when the runtime's availability (what the proxy and the hooks read from the
store) lets it take requests, and the world agrees with the store: the role has exactly one
endpoint, holding exactly one deployment (no duplicate), the one the store records, READY and
taking all the traffic.
"""

from __future__ import annotations

from controlplane.manifest import Manifest, endpoint_name
from controlplane.project import open_project
from runtime.availability import Availability


def served_roles(manifest: Manifest) -> dict[str, bool]:
    """Enabled role -> served (see the module docstring)."""
    with open_project(manifest) as project:
        availability = Availability.from_manifest(manifest, project.store)
        availability.refresh()
        applied = project.store.applied(manifest.project)
        client = project.provider.client
        endpoints = list(client.endpoints(name_contains=f"{manifest.project}-"))
        found: dict[str, bool] = {}
        for role, spec in manifest.models.items():
            if not spec.enabled:
                continue
            mine = [e for e in endpoints if e.short_name == endpoint_name(manifest.project, role)]
            record = applied.get(role)
            if availability.check(role) is not None or record is None or len(mine) != 1:
                found[role] = False
                continue
            [endpoint] = mine
            split = {t.deployment_id: t.weight for t in endpoint.traffic_split}
            deployments = endpoint.deployments
            found[role] = (
                len(deployments) == 1
                and record.endpoint_id == endpoint.id
                and record.deployment_id == deployments[0].id
                and split.keys() == {deployments[0].id}
                and deployments[0].state == "DEPLOYMENT_STATE_READY"
            )
        return found
