import os

import asyncpg


async def connect() -> asyncpg.Connection:
    return await asyncpg.connect(os.environ["DATABASE_URL"], statement_cache_size=0)
