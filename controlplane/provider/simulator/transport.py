"""The simulator in process: an httpx transport, so a client talks to it as it would to Together.

`controlplane.provider.connect()` gives `TogetherClient` this transport when the manifest says
`provider.type: simulator`; every request opens the world file, is handled by `Simulator`, and
writes the world back. Separate CLI runs (plan, apply, reconcile) therefore share one world, and
the real client code path, retries and error mapping included, is what gets exercised.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from controlplane.provider.simulator.api import Simulator
from controlplane.provider.simulator.world import WorldFile


class SimulatorTransport(httpx.BaseTransport):
    def __init__(
        self,
        state_path: Path | str,
        *,
        provision_seconds: float | None = None,
        stop_seconds: float | None = None,
        scale_seconds: float | None = None,
    ) -> None:
        self.simulator = Simulator(
            WorldFile(state_path),
            provision_seconds=provision_seconds,
            stop_seconds=stop_seconds,
            scale_seconds=scale_seconds,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # raw_path keeps percent-encoding (an id like `sim%2Fname` stays one segment) and carries
        # the query string, which the simulator takes separately.
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        answer = self.simulator.handle(
            request.method, path, dict(request.url.params), dict(request.headers), request.read()
        )
        # An injected fault that keeps the answer from the caller looks, in process, like what the
        # caller's httpx would raise over a network: the time a timeout takes is not waited for.
        if answer.drop == "reset":
            raise httpx.ReadError("connection reset by peer (injected by the simulator)", request=request)
        if answer.drop == "timeout":
            raise httpx.ReadTimeout("timed out waiting for the answer (injected by the simulator)", request=request)
        # Nothing here can stream to the caller as it is produced, so a stream is read whole;
        # the client still parses it as server-sent events.
        return httpx.Response(answer.status, headers=answer.headers, content=answer.content(), request=request)
