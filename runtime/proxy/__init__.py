"""The proxy agents call instead of Anthropic or OpenAI: `reasoning proxy serve`.

    client ──► app (ASGI: paths, auth, body limit, errors in the API's shape)
                │  routing.Router: which role, and why
                ├─► custom (a role): availability → budget reserve → circuit → first token in time
                │       └─ translate (Anthropic) / model swap (OpenAI) ──► the role's endpoint
                └─► relay (the upstream, untouched; also every fallback before the first byte)
                        │
    services: the runtime's parts wired once; metrics; recorder (usage + samples, batched)

`server.ProxyServer` binds and serves (SIGTERM drains), `server.ServedProxy` runs it in a thread
for tests and benchmarks, `server.serve(manifest)` is the one-call form.
"""

from runtime.proxy.server import ProxyServer, ServedProxy, serve

__all__ = ["ProxyServer", "ServedProxy", "serve"]
