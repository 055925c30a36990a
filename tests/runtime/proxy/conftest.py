"""The proxy's test world: stand-in upstreams on 127.0.0.1, a manifest applied to the simulator,
and the proxy served in front of them.

The manifest runs on the embedded simulator (`provision_seconds: 0`, so apply's deployments are
READY at once); the proxy's inference target serves that same simulated world, so routed
requests are answered by the simulator's models in each role's format. Fallbacks go to the
stand-ins, which record what they received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from controlplane.manifest import Manifest, load
from controlplane.store import Store, open_store
from runtime.proxy.server import ServedProxy
from tests.runtime.proxy.standins import StandInAnthropic, StandInOpenAI

MANIFEST = """\
version: 1
project: proxytest
provider: {{type: simulator, provision_seconds: 0{provider_extra}}}
store: {{url: sqlite:///.reasoning/state.db}}
models:
  should_respond:
    model: moonmakesmagic/DeepSeek-R1-Distill-Qwen-1.5B-shouldrespond
    hardware: 1x_nvidia_h100_80gb_sxm
  planning:
    model: moonmakesmagic/DeepSeek-Qwen-14B-planning
    hardware: 1x_nvidia_h100_80gb_sxm
  coding:
    model: moonmakesmagic/DeepSeek-Llama-67B-coding
    hardware: 2x_nvidia_h100_80gb_sxm
{models_extra}training_data: {{collect: true, redact: [email, api_key, token]}}
proxy:
  anthropic_upstream: {anthropic}
  openai_upstream: {openai}
  model_map: {{gpt-4o-mini: should_respond, gpt-4o: planning}}
  routing:
    - {{to: coding, when: {{models: [claude-coder]}}}}
    - {{to: planning, when: {{models: [claude-planner]}}}}
{proxy_extra}"""

ANTHROPIC_KEY = "sk-ant-api03-client-key-0123456789abcdefghij"
CLIENT_MODEL = "claude-coder"  # routed to the coding role
UPSTREAM_MODEL = "claude-upstream"  # routed nowhere: the Anthropic upstream answers


@dataclass
class World:
    dir: Path
    anthropic: StandInAnthropic
    openai: StandInOpenAI

    @property
    def path(self) -> Path:
        return self.dir / "reasoning.yaml"

    def write(
        self, *, models_extra: str = "", proxy_extra: str = "", provider_extra: str = "", openai: bool = True
    ) -> Manifest:
        self.path.write_text(
            MANIFEST.format(
                anthropic=self.anthropic.base_url,
                openai=self.openai.base_url if openai else "null",
                models_extra=models_extra,
                proxy_extra=proxy_extra,
                provider_extra=provider_extra,
            )
        )
        return load(self.path)

    def apply(self, manifest: Manifest) -> None:
        """`reasoning apply`, as a library call: endpoints in the simulated world, state in the store."""
        from controlplane.apply import Applier, locked, prepare
        from controlplane.project import open_project

        with open_project(manifest) as project, locked(project.store, manifest.project) as lock:
            plan, catalog = prepare(project)
            Applier(project.provider, project.store, catalog, lock).run(plan)

    def store(self) -> Store:
        return open_store("sqlite:///.reasoning/state.db", self.dir)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with StandInAnthropic() as anthropic_upstream, StandInOpenAI() as openai_upstream:
        yield World(tmp_path, anthropic_upstream, openai_upstream)


Serve = Callable[..., ServedProxy]


@pytest.fixture
def serve(world: World) -> Iterator[Serve]:
    """`serve(manifest)` -> a started ServedProxy, stopped (and its recorder drained) after the test."""
    started: list[ServedProxy] = []

    def start(manifest: Manifest | None = None, **kwargs: Any) -> ServedProxy:
        if manifest is None:
            manifest = world.write()
            world.apply(manifest)
        proxy = ServedProxy(manifest, **kwargs).__enter__()
        started.append(proxy)
        return proxy

    yield start
    for proxy in reversed(started):
        proxy.__exit__(None, None, None)


@pytest.fixture
def proxy(world: World, serve: Serve) -> ServedProxy:
    """The default world applied and served: every role up, no budget limits."""
    return serve()
