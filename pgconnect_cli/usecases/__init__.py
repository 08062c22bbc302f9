"""Use cases: what a command does, as plain Python callable without typer."""
