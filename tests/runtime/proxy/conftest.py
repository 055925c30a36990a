"""The proxy's test world: stand-in upstreams on 127.0.0.1, a manifest applied to the simulator,
and the proxy served in front of them.

The manifest runs on the embedded simulator (`provision_seconds: 0`, so apply's deployments are
READY at once). It is applied once per session into a template directory; each test gets a copy
of its store, and the custom models are one simulator serving the template's world (the
manifest's `provider.base_url`), so routed requests are answered by the simulator's models in
each role's format. Fallbacks go to the stand-ins, which record what they received and are
reset for every test.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from controlplane.manifest import Manifest, load
from controlplane.store import Store, open_store
from tests.support.clock import FakeClock
from tests.support.project import apply
from tests.support.served import ServedProxy, ServedSimulator
from tests.support.standins import StandInAnthropic, StandInOpenAI

MANIFEST = """\
version: 1
project: proxytest
provider: {{type: simulator, provision_seconds: 0, base_url: {custom}}}
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
    simulator: ServedSimulator  # the custom models, serving the template's world
    template: Path  # a directory whose store and world have the manifest applied

    @property
    def path(self) -> Path:
        return self.dir / "reasoning.yaml"

    def write(
        self,
        *,
        models_extra: str = "",
        proxy_extra: str = "",
        custom: str | None = None,
        openai: bool = True,
        fresh: bool = False,
    ) -> Manifest:
        """The manifest, with a copy of the applied template's store and world; `fresh`: neither,
        for a test that applies (so that the ledger's hardware hours start now)."""
        if not fresh and not (self.dir / ".reasoning").exists():
            shutil.copytree(self.template / ".reasoning", self.dir / ".reasoning")
        self.path.write_text(
            MANIFEST.format(
                anthropic=self.anthropic.base_url,
                openai=self.openai.base_url if openai else "null",
                models_extra=models_extra,
                proxy_extra=proxy_extra,
                custom=custom or self.simulator.base_url,
            )
        )
        return load(self.path)

    def store(self) -> Store:
        return open_store("sqlite:///.reasoning/state.db", self.dir)


@pytest.fixture(scope="session")
def _shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Started once: the stand-ins, an applied template, the simulator serving its world."""
    template = tmp_path_factory.mktemp("applied")
    with StandInAnthropic() as anthropic_upstream, StandInOpenAI() as openai_upstream:
        world = World(template, anthropic_upstream, openai_upstream, None, template)  # type: ignore[arg-type]
        (template / "reasoning.yaml").write_text(
            MANIFEST.format(
                anthropic=anthropic_upstream.base_url,
                openai="null",
                models_extra="",
                proxy_extra="",
                custom="http://127.0.0.1:9",
            )
        )
        manifest = load(template / "reasoning.yaml")
        with pytest.MonkeyPatch.context() as patch:
            FakeClock().install(patch)  # applied at START, where every test's clock stands
            apply(manifest)
        with ServedSimulator(manifest.path(".reasoning/simulator.json")) as simulator:
            world.simulator = simulator
            yield world


@pytest.fixture
def world(_shared: World, tmp_path: Path, frozen: FakeClock) -> World:
    """A directory for the test's manifest, the stand-ins reset; the clock stands at START, the
    moment the template was applied, so no hardware has accrued unless the test moves it."""
    for standin in (_shared.anthropic, _shared.openai):
        standin.received.clear()
        standin.fail_status = None
    _shared.openai.break_after = None
    with _shared.simulator.world() as simulated:
        simulated.faults = []
    return World(tmp_path, _shared.anthropic, _shared.openai, _shared.simulator, _shared.template)


Serve = Callable[..., ServedProxy]


@pytest.fixture
def serve(world: World) -> Iterator[Serve]:
    """`serve(manifest)` -> a started ServedProxy, stopped (and its recorder drained) after the test."""
    started: list[ServedProxy] = []

    def start(manifest: Manifest | None = None, **kwargs: Any) -> ServedProxy:
        if manifest is None:
            manifest = world.write()
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
