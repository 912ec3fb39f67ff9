"""Reads that may go to a read replica (``DATABASE_REPLICA_URL``, the ``replica`` alias):
the statistics and the exports, the long reads of a province's register that a
streaming replica can take off the primary (bench/SCALE.md).

Routing is by what the code is doing, not by model: the statistics read the same unions
and events as a clerk's pages. Code that may read from the replica says so with
``replica_reads()``; everything else, and every write, goes to the primary
(``default``). A clerk's own pages (the register, the entry page, the admin) never read
from the replica, so what a clerk has just saved is on the next page: a replica lags
the primary by a moment, which a statistic or an export of the day can bear.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_replica_reads = ContextVar("replica_reads", default=False)


def replica_reads():
    """Reads inside go to the replica when one is configured (else to the primary)."""
    return _reads_from_replica(True)


def primary_reads():
    """Reads inside go to the primary, inside ``replica_reads()`` too: rows just written."""
    return _reads_from_replica(False)


@contextmanager
def _reads_from_replica(value):
    token = _replica_reads.set(value)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_database():
    """The alias reads inside ``replica_reads()`` go to: the replica if configured."""
    return REPLICA if REPLICA in connections.settings else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Reads inside ``replica_reads()`` to the replica; all else to the primary. Both hold
    the same rows, so relations between their objects are allowed, and only the
    primary is migrated (the replica follows it)."""

    def db_for_read(self, model, **hints):
        return read_database() if _replica_reads.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
