"""Which database errors time fixes, and retrying a whole transaction for them.

Errors as data (like connectors/errors.py): :data:`SQLSTATE_FAILURES` says, per
PostgreSQL SQLSTATE (exact code, else its two-character class; PostgreSQL manual,
Appendix A), whether a failure is *transient* (the connection went away, a deadlock or
serialization failure, a lock timeout: the same work succeeds later) or *permanent* (the
data itself: overflow, invalid text, a NUL character, a type mismatch, a constraint:
retrying gives the same error forever). Errors without a SQLSTATE (SQLite, or a value
the driver refused before sending it) fall back to SQLAlchemy's class of the error.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TypeVar

from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)

T = TypeVar("T")

# deadlock_detected, serialization_failure, lock_not_available (lock_timeout), and
# unique_violation (two transactions creating the same row: the retry finds it).
RETRIABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03", "23505"})


class Failure(StrEnum):
    TRANSIENT = "transient"  # retry later, a bounded number of times
    PERMANENT = "permanent"  # this record's data: to the error queue, the batch goes on


_T, _P = Failure.TRANSIENT, Failure.PERMANENT

SQLSTATE_FAILURES: Mapping[str, Failure] = {
    "08": _T,  # connection_exception: the server went away mid-transaction
    "40": _T,  # transaction_rollback: 40001 serialization_failure, 40P01 deadlock_detected
    "53": _T,  # insufficient_resources: too many connections, disk full, out of memory
    "55P03": _T,  # lock_not_available: lock_timeout expired
    "57014": _T,  # query_canceled: statement_timeout
    "57P01": _T,  # admin_shutdown: PostgreSQL restarting
    "57P02": _T,  # crash_shutdown
    "57P03": _T,  # cannot_connect_now: still starting up
    "23505": _T,  # unique_violation: a concurrent writer made the row; the retry finds it
    "22": _P,  # data_exception: 22003 numeric overflow, 22P02 invalid text, 22001 too long
    "23": _P,  # integrity_constraint_violation: not null, foreign key, check
    "42": _P,  # syntax or access rule: 42883 `varchar = numeric` (a value of the wrong type)
    "54": _P,  # program_limit_exceeded: too many columns, statement too complex
}

# Without a SQLSTATE: SQLAlchemy's wrapper class (walked along the MRO, most specific
# first). OperationalError covers SQLite's "database is locked" and a lost connection;
# DataError covers psycopg refusing a string with a NUL byte before sending it.
DBAPI_FAILURES: Mapping[type[DBAPIError], Failure] = {
    OperationalError: _T,
    InterfaceError: _T,
    DataError: _P,
    IntegrityError: _P,
    ProgrammingError: _P,
    NotSupportedError: _P,
    InternalError: _P,
}


def db_failure(exc: BaseException) -> Failure | None:
    """Transient or permanent for a database error; None for anything else."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return _T
    state = getattr(exc.orig, "sqlstate", None)
    if state:
        found = SQLSTATE_FAILURES.get(state) or SQLSTATE_FAILURES.get(state[:2])
        if found is not None:
            return found
    for cls in type(exc).__mro__:
        if cls in DBAPI_FAILURES:
            return DBAPI_FAILURES[cls]
    return _T  # an unknown server-side error: retried, and the bound ends it


def is_retriable(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in RETRIABLE_SQLSTATES


def with_retries(
    transaction: Callable[[], T], *, attempts: int = 8, base_delay: float = 0.005
) -> T:
    """Run `transaction` (which opens and commits its own unit of work) until it commits
    or fails for a non-retriable reason. Full jitter keeps retrying workers apart."""
    for attempt in range(1, attempts + 1):
        try:
            return transaction()
        except DBAPIError as exc:
            if attempt == attempts or not is_retriable(exc):
                raise
            time.sleep(random.uniform(0, base_delay * 2**attempt))
    raise AssertionError("unreachable")
