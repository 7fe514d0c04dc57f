"""What the GnuCash tests share: the engine must be there (a clear failure, never a
silent skip: scripts/services.sh installs it), and an opening journal that gives a new
book its first accounts."""

from __future__ import annotations

import functools
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.accounting.gnucash.process import INSTALL_HINT, engine_python
from connectors.base import OutgoingDocument


@functools.cache
def _engine_problem() -> str:
    python = engine_python()
    try:
        done = subprocess.run(
            [python, "-I", "-c", "import gnucash"], capture_output=True, text=True, timeout=60
        )
    except OSError as exc:
        return f"{python}: {exc}"
    return "" if done.returncode == 0 else done.stderr.strip().splitlines()[-1]


def require_gnucash() -> None:
    problem = _engine_problem()
    if problem:
        pytest.fail(
            f"GnuCash's engine is not installed ({problem}): {INSTALL_HINT}, "
            "as scripts/services.sh does",
            pytrace=False,
        )


def opening_balance(accounts: tuple[str, str], amount: str = "1000.00") -> OutgoingDocument:
    debit, credit = accounts
    return OutgoingDocument(
        kind="opening",
        natural_key="opening:balance",
        date=datetime(2026, 1, 1, tzinfo=UTC),
        currency="USD",
        total=Decimal(amount),
        payload={
            "lines": [
                {"account": debit, "amount": amount},
                {"account": credit, "amount": f"-{amount}"},
            ]
        },
    )


_PRELUDE = """
import sys
from gnucash import Session, SessionOpenMode
session = Session("sqlite3://" + sys.argv[1], SessionOpenMode.SESSION_NORMAL_OPEN)
book = session.book
def transactions(key):
    found = {}
    for account in book.get_root_account().get_descendants():
        for split in account.GetSplitList():
            trans = split.parent
            if trans.GetNum() == key:
                found[trans.GetGUID().to_string()] = trans
    return list(found.values())
try:
{body}
finally:
    session.end()
    session.destroy()
"""


def in_gnucash(book: str, body: str) -> None:
    """Run ``body`` against the book in GnuCash's engine, as a person working in GnuCash
    would change it (void, delete, duplicate a transaction)."""
    indented = "\n".join(f"    {line}" for line in body.strip().splitlines())
    code = _PRELUDE.replace("{body}", indented)
    done = subprocess.run(
        [engine_python(), "-I", "-c", code, book], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
