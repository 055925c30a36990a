"""`reasoning simulator serve`: Together's API, played locally, for tests and demos."""

from __future__ import annotations

from pathlib import Path

import typer

from controlplane.cli.output import err

app = typer.Typer(help="The Together.ai simulator.", no_args_is_help=True)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8002, help="Port to listen on."),
    state_file: Path = typer.Option(None, "--state-file", help="Keep the world in this file (default: memory)."),
    provision_seconds: float = typer.Option(3.0, help="Simulated seconds from create to READY."),
) -> None:
    """Serve the simulated Together API (v2 endpoints, hardware, models, chat) over HTTP."""
    from controlplane.provider.simulator.server import serve as run

    err.print(f"Together simulator on http://{host}:{port} (world: {state_file or 'in memory'})")
    run(host, port, state_file, provision_seconds=provision_seconds)
