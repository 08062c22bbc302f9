"""pgconnect: a PostgreSQL connection doctor and config tool."""

__version__ = "0.1.0.dev0"
