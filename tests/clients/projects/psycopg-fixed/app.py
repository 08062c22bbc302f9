import os

import psycopg


def connect() -> psycopg.Connection:
    # through a transaction-mode pooler: no server-side prepared statements
    return psycopg.connect(os.environ["DATABASE_URL"], prepare_threshold=None)
