"""Where a role's custom model answers: the inference target for this process's lifetime.

`open_target(manifest)` gives Together's OpenAI-compatible `POST {base_url}/v1/chat/completions`
with the key from the environment; on the simulator provider, the served simulator at
`provider.base_url`, or else one started as a child process over the manifest's state file
(`runtime.simulator_process`), stopped when the block ends. A role's model is its endpoint name,
`<project>-<role>` (`model_for`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from controlplane.errors import SecretMissing
from controlplane.manifest import Manifest, endpoint_name
from runtime.simulator_process import SimulatorProcess

#: What the simulator takes as a key: it checks that one is sent, not which.
SIMULATOR_KEY = "simulator"


@dataclass(frozen=True)
class InferenceTarget:
    """Where chat completions for this project's roles go, and the headers that authenticate.

    The headers hold the provider's key: they are left out of `repr`, so a log line or a
    traceback that shows a target does not show the key."""

    base_url: str
    project: str
    headers: Mapping[str, str] = field(repr=False)

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/v1/chat/completions"

    def model_for(self, role: str) -> str:
        """The `model` a chat request for `role` names: the role's endpoint, `<project>-<role>`."""
        return endpoint_name(self.project, role)


@contextmanager
def open_target(manifest: Manifest) -> Iterator[InferenceTarget]:
    """The inference target for as long as the block runs (a simulator started for it stops
    at the end). Raises `SecretMissing` when Together's key is not in the environment."""
    provider = manifest.provider
    if provider.type == "together":
        key = os.environ.get(provider.api_key_env)
        if not key:
            raise SecretMissing(
                f"{provider.api_key_env} is not set (provider.api_key_env, {manifest.where('provider')})",
                hint=f"export {provider.api_key_env}=<your Together API key>",
            )
        yield InferenceTarget(provider.base_url, manifest.project, {"Authorization": f"Bearer {key}"})
        return
    headers = {"Authorization": f"Bearer {SIMULATOR_KEY}"}
    if provider.base_url is not None:
        yield InferenceTarget(provider.base_url, manifest.project, headers)
        return
    state = manifest.path(provider.state_file)
    with SimulatorProcess(state, provision_seconds=provider.provision_seconds) as simulator:
        yield InferenceTarget(simulator.base_url, manifest.project, headers)
