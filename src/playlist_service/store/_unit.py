"""An ambient unit of work: several store calls of one request commit in one transaction.

Store code opens its transactions with :func:`begin` instead of ``engine.begin()``. Outside
a unit of work that is exactly ``engine.begin()``. Inside :func:`unit_of_work` (the
idempotency middleware opens one around a mutating request), every :func:`begin` on the same
engine joins the unit's single transaction through a SAVEPOINT, and nothing commits until
the unit does: so the change a handler makes and the stored response of its
``Idempotency-Key`` become durable together, or not at all.

The unit connects lazily, on the first :func:`begin`, so a handler that first calls a
provider over the network holds no database transaction (nor SQLite's write lock) meanwhile.

Writes that must survive a failed request keep their own ``engine.begin()`` on purpose:
sessions (a reused refresh token revokes its family even though the request then fails)
and rotated provider tokens (losing one locks the user out). On SQLite such a write must
not follow a unit-joined write in the same request, or it waits for the unit's write lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from playlist_service.store._engine import autocommit

__all__ = ["UnitOfWork", "begin", "single_statement", "unit_of_work"]


class UnitOfWork:
    """One lazily opened transaction shared by every :func:`begin` on its engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def connection(self) -> AsyncConnection:
        """The unit's connection, connecting and beginning on first use."""
        if self._connection is None:
            self._connection = await self.engine.connect()
            self._transaction = await self._connection.begin()
        return self._connection

    @property
    def started(self) -> bool:
        """Whether any statement ran in the unit."""
        return self._connection is not None

    async def commit(self) -> None:
        """Commit everything done in the unit."""
        if self._transaction is not None and self._transaction.is_active:
            await self._transaction.commit()

    async def rollback(self) -> None:
        """Undo everything done in the unit."""
        if self._transaction is not None and self._transaction.is_active:
            await self._transaction.rollback()

    async def close(self) -> None:
        """Roll back what was not committed and release the connection."""
        await self.rollback()
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._transaction = None


_current: ContextVar[UnitOfWork | None] = ContextVar("playlist_unit_of_work", default=None)


@asynccontextmanager
async def unit_of_work(engine: AsyncEngine) -> AsyncIterator[UnitOfWork]:
    """Make :func:`begin` on ``engine`` join one transaction until the block ends.

    The caller commits with :meth:`UnitOfWork.commit`; leaving the block without committing
    (or with an exception) rolls everything back.
    """
    unit = UnitOfWork(engine)
    token = _current.set(unit)
    try:
        yield unit
    finally:
        _current.reset(token)
        await unit.close()


@asynccontextmanager
async def begin(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """``engine.begin()``, or a SAVEPOINT in the ambient unit of work on ``engine``."""
    unit = _current.get()
    if unit is None or unit.engine is not engine:
        async with engine.begin() as connection:
            yield connection
        return
    connection = await unit.connection()
    async with connection.begin_nested():
        yield connection


@asynccontextmanager
async def single_statement(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for one write statement that is atomic by itself.

    Outside a unit of work the statement runs in autocommit: no ``BEGIN``/``COMMIT`` round
    trips around it. Inside one it joins the unit like :func:`begin`, so it still commits
    (or not) with everything else of the request.
    """
    unit = _current.get()
    if unit is not None and unit.engine is engine:
        async with begin(engine) as connection:
            yield connection
        return
    async with autocommit(engine) as connection:
        yield connection
