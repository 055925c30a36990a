"""The garbage collector as the proxy's own process runs it once started (`ProxyApp`'s lifespan),
in a module of its own so that a bench can time code under the same settings without the server."""

from __future__ import annotations

import gc

#: A young-generation pass every this many allocations (Python's default: 700). A request allocates
#: a few hundred objects and frees nearly all of them by reference counting: every 700, a pass runs
#: about once a request for nothing; every 20,000, ~6 % less CPU per pass-through request (two
#: proxies side by side, bench/proxy_overhead.py's request).
YOUNG_GENERATION = 20_000


def settle_heap() -> None:
    """~110k long-lived objects (modules, manifest, pools) frozen out of the collector's sight
    (else every full collection walks them: ~1 per second under load, the bulk of the p99 at 64
    connections), and the young generation collected every `YOUNG_GENERATION` allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, 10, 10)
