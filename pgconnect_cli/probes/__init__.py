"""Probes: the doctor's only network and database I/O.

Each probe does one thing against one target and returns a frozen observation dataclass of
`pgconnect_cli.doctor.observations`, with monotonic start/finish timestamps. Probes never print,
never decide severity and never raise for a network failure: the failure is part of the
observation. Every text that may come from a server passes through `conninfo.redact.scrub`
before it is stored.
"""
