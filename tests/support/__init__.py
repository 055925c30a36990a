"""What the tests share: the fake clock, stores, the quickstart project, the CLI runner and the
stand-in upstreams. `fixtures` is the pytest plugin that offers them as fixtures.

    clock       FakeClock, behind `controlplane.clock`
    stores      PostgreSQL schemas per test
    project     the quickstart copied, edited, applied as a library call
    cli         `main()` with argv, its exit code and output
    standins    Anthropic, OpenAI and chat-model stand-ins served on loopback ports
"""
