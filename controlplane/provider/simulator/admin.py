"""The simulator's own controls, under `/_simulator/`: settings, injected faults, reset, a dump.

Not part of Together's API and not guarded like it (no auth, no faults), so a test or a person
with curl can steer the world a client is talking to:

    GET  /_simulator/world                      the whole world, as stored
    GET  /_simulator/settings                   provision_seconds, stop_seconds, scale_seconds, api_keys,
    PUT  /_simulator/settings                   failing_models, capacity, deployment_hardware,
                                                list_public_configs, file_process_seconds,
                                                fine_tune_seconds, failing_fine_tunes,
                                                fine_tune_allowed_to_proceed (PUT changes the keys given)
    GET  /_simulator/faults                     injected faults still pending (with their draw counts)
    POST /_simulator/faults                     add one: {method, path_regex, kind (status | lost | timeout |
                                                reset), status, times | rate + seed, retry_after, code,
                                                hold_seconds}; see world.Fault
    DELETE /_simulator/faults                   drop them all
    POST /_simulator/reset                      back to the seeded world (settings kept)
"""

from __future__ import annotations

from controlplane.provider.simulator.protocol import Call, SimResponse, json_response, validated
from controlplane.provider.simulator.world import Fault, Settings, World


def get_world(world: World, call: Call) -> SimResponse:
    return json_response(200, world.model_dump(mode="json"))


def get_settings(world: World, call: Call) -> SimResponse:
    return json_response(200, world.settings.model_dump(mode="json"))


def put_settings(world: World, call: Call) -> SimResponse:
    """Settings named in the body change; the others stay."""
    changes = call.json()
    if isinstance(changes, dict):
        changes = {**world.settings.model_dump(), **changes}
    world.settings = validated(Settings, changes)
    return get_settings(world, call)


def list_faults(world: World, call: Call) -> SimResponse:
    return json_response(200, {"faults": [f.model_dump(mode="json") for f in world.faults]})


def add_fault(world: World, call: Call) -> SimResponse:
    world.faults.append(call.parse(Fault))
    return list_faults(world, call)


def clear_faults(world: World, call: Call) -> SimResponse:
    world.faults = []
    return list_faults(world, call)


def reset(world: World, call: Call) -> SimResponse:
    world.reset()
    return json_response(200, {})
