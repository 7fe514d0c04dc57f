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
