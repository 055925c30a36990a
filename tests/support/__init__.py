"""What the tests share; `fixtures` is the pytest plugin that offers it as fixtures.

- `clock`: `FakeClock`, behind `controlplane.clock`.
- `stores`: a PostgreSQL schema per test process, emptied for each test.
- `project`: the quickstart copied, edited, applied as a library call.
- `cli`: `main()` with argv, its exit code and output.
- `standins`: Anthropic, OpenAI and chat-model stand-ins served on loopback ports.
- `served`: an ASGI app (the simulator, the proxy) served on a loopback port in a thread.
- `anthropic_stream`: Anthropic's streamed event sequence, which the stand-ins send.
"""
