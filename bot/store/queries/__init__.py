"""Queries by aggregate, composed into `bot.store.Repository`."""
