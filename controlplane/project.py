"""A manifest with its provider and store opened: what every command that touches the world needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from controlplane.manifest import Manifest
from controlplane.provider import Provider, connect
from controlplane.store import Store, open_for, store_url

__all__ = ["Project", "open_project", "store_url"]


@dataclass(frozen=True)
class Project:
    manifest: Manifest
    provider: Provider
    store: Store


@contextmanager
def open_project(manifest: Manifest) -> Iterator[Project]:
    store = open_for(manifest)
    try:
        client = connect(manifest)
        try:
            yield Project(manifest, Provider(client, manifest.project), store)
        finally:
            client.close()
    finally:
        store.close()
