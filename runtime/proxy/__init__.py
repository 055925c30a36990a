"""The proxy agents call instead of Anthropic or OpenAI: `reasoning proxy serve`.

    client ──► app (ASGI: paths, auth, body limit, errors in the API's shape)
                │  routing.Router: which role, and why
                ├─► custom (a role): gate (availability → budget → circuit) → first token in time
                │       └─ wire (Anthropic) / model swap (OpenAI) ──► the role's endpoint
                └─► relay (the upstream, untouched; also every fallback before the first byte)
                        │
    context: the runtime's services (gate, router, recorder) and the proxy's guard, client, metrics

`server.ProxyServer` binds and serves (SIGTERM drains); `server.serve(manifest)` is the one-call form.
Nothing is imported here, so importing one module of the proxy never imports the server and uvicorn.
"""
