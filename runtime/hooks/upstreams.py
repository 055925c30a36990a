"""The hooks' fallback upstreams: OpenAI-compatible chat completions APIs that decide when a role's
custom model cannot (the model the agent used before), given to `Hooks` or read from the manifest's
`proxy.openai_upstream`, and where and with which key each is called."""

from __future__ import annotations

import os
from collections.abc import Mapping

from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest
from controlplane.manifest.schema import normalize_role
from runtime.hooks.types import DEFAULT_SETTINGS, Upstream


def upstreams_given(upstream: Upstream | Mapping[str, Upstream] | None) -> dict[str, Upstream]:
    """Per role: one upstream for every role, or one per role, as given to `Hooks`."""
    if upstream is None:
        return {}
    if isinstance(upstream, Upstream):
        return {role: upstream for role in DEFAULT_SETTINGS}
    return dict(upstream)


def manifest_upstreams(manifest: Manifest) -> dict[str, Upstream]:
    """The proxy's OpenAI upstream as each role's fallback, under the model name that
    `proxy.model_map` maps to the role (the model the agent asked for before the role existed)."""
    proxy = manifest.proxy
    if proxy.openai_upstream is None:
        return {}
    upstreams: dict[str, Upstream] = {}
    for model, role in proxy.model_map.items():
        upstreams.setdefault(
            normalize_role(role),
            Upstream(base_url=proxy.openai_upstream, model=model, api_key_env=proxy.openai_api_key_env),
        )
    return upstreams


def upstream_url(upstream: Upstream) -> str:
    """Chat completions under an OpenAI-style base (`…/v1`) or a bare host (Together's API root)."""
    base = upstream.base_url.rstrip("/")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def upstream_headers(upstream: Upstream) -> dict[str, str]:
    """The upstream's authorization, from the environment variable it names (if any)."""
    if not upstream.api_key_env:
        return {}
    key = os.environ.get(upstream.api_key_env)
    if not key:
        raise SecretMissing(
            f"{upstream.api_key_env} is not set (the fallback upstream's key)",
            hint=f"export {upstream.api_key_env}=...",
        )
    return {"authorization": f"Bearer {key}"}
