"""Refresh: what exists now, as the plan's inputs.

One function shared by plan, apply, status and destroy, so they all see the world the same way:
the provider's catalog and endpoints, and the store's record of what the last apply did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from controlplane.catalog import Catalog
from controlplane.manifest import Manifest
from controlplane.provider import Provider
from controlplane.store import Store
from controlplane.values import AppliedRole, RemoteRole


@dataclass(frozen=True)
class Observed:
    actual: Mapping[str, RemoteRole]
    applied: Mapping[str, AppliedRole]
    catalog: Catalog


def observe(manifest: Manifest, provider: Provider, store: Store) -> Observed:
    applied = store.applied(manifest.project)
    catalog = provider.catalog(role.model for role in manifest.models.values())
    actual = provider.refresh(manifest.models, catalog, known=applied)
    return Observed(actual=actual, applied=applied, catalog=catalog)
