"""A manifest with its provider and store opened: what every command that touches the world needs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest
from controlplane.provider import Provider, connect
from controlplane.store import Store, open_store


@dataclass(frozen=True)
class Project:
    manifest: Manifest
    provider: Provider
    store: Store


def store_url(manifest: Manifest) -> str:
    if manifest.store.url_env is None:
        return manifest.store.url
    url = os.environ.get(manifest.store.url_env)
    if not url:
        raise SecretMissing(
            f"{manifest.store.url_env} is not set (store.url_env, {manifest.where('store', 'url_env')})",
            hint=f"export {manifest.store.url_env}=postgresql+psycopg://user:password@host/db",
        )
    return url


@contextmanager
def open_project(manifest: Manifest) -> Iterator[Project]:
    store = open_store(store_url(manifest), manifest.path("."))
    try:
        client = connect(manifest)
        try:
            yield Project(manifest, Provider(client, manifest.project), store)
        finally:
            client.close()
    finally:
        store.close()
