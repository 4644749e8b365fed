"""Alembic environment. Migrations run in-process on the bot's own connection (see db.Database.migrate);
the `alembic` command line is not needed."""

from alembic import context

from bot.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline mode is not used
    raise RuntimeError("run migrations through `hocvuso db upgrade` or the bot's start-up")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
