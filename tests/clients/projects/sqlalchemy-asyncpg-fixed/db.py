import os

from sqlalchemy.ext.asyncio import create_async_engine

# through a transaction-mode pooler: neither SQLAlchemy's nor asyncpg's statement cache
engine = create_async_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://")
    + "?prepared_statement_cache_size=0",
    connect_args={"statement_cache_size": 0},
)
