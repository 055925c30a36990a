"""A stand-in for the parts of Together.ai the project uses, offline and in simulated time.

    api         `Simulator.handle` and the route table: the one entry point
    resources   v2 routes: whoami, hardware, models, configs, supported models, endpoints, deployments
    inference   v1 routes: models, chat completions
    rollouts    v2 rollouts: canary and blue-green traffic moves in simulated time
    training    v1 routes: files (the presigned upload, server-side validation) and fine-tune jobs
    admin       the simulator's own controls under /_simulator/
    views       the world in Together's wire shapes
    query       list queries: limit, cursors, orderBy, filter
    chat        what the simulated models answer, per role
    world       the world as data (projects, public models, faults), where it is kept, and how
                deployments move in time
    protocol    `Call`, `SimResponse` and Together's error shape
    transport   `SimulatorTransport`: in process, for httpx clients
    server      `SimulatorApp` (ASGI), `serve()` for `reasoning simulator serve`

`transport` and `server` are imported from their modules, so using the simulator in process never
imports uvicorn.
"""

from controlplane.provider.simulator.api import Simulator
from controlplane.provider.simulator.protocol import SimResponse
from controlplane.provider.simulator.world import (
    Fault,
    MemoryWorld,
    Settings,
    World,
    WorldFile,
    WorldStore,
    seed_world,
)

__all__ = [
    "Fault",
    "MemoryWorld",
    "Settings",
    "SimResponse",
    "Simulator",
    "World",
    "WorldFile",
    "WorldStore",
    "seed_world",
]
