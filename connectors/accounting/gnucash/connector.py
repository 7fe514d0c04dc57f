"""GnuCash as the hub's books: a real GnuCash book (SQLite), written and read back only
through GnuCash's own engine.

The engine runs in a child process under Debian's python3 (see ``engine.py``); this
class is the BooksConnector side: the document key goes into the transaction's Num and
is looked up under the book's lock before every post, so a post repeated after a lost
answer or a killed worker finds the first one instead of writing a second.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from connectors.accounting.base import BooksConnector, Cursor, ReadPage
from connectors.accounting.gnucash.process import EngineProcess
from connectors.base import (
    BooksCheck,
    ConnectorConfig,
    LedgerAccount,
    OutgoingDocument,
    PostedDocument,
)
from connectors.errors import FatalConfigurationError
from connectors.toolkit.context import ConnectorContext

__all__ = ["GnuCashConfig", "GnuCashConnector"]


class GnuCashConfig(ConnectorConfig):
    book_path: str = Field(min_length=1, description="the GnuCash SQLite book (created if absent)")
    currency: str = Field(default="USD", min_length=3, max_length=3, description="home currency")
    break_lock: bool = Field(
        default=False,
        description="open the book even when GnuCash says it is open elsewhere (a stale lock)",
    )


class GnuCashConnector(BooksConnector[GnuCashConfig]):
    name: ClassVar[str] = "gnucash"
    config_model: ClassVar[type[ConnectorConfig]] = GnuCashConfig
    page_size: ClassVar[int] = 100

    def __init__(self, config: GnuCashConfig, context: ConnectorContext | None = None) -> None:
        super().__init__(config, context)
        self.path = Path(config.book_path).absolute()
        self.engine = EngineProcess()

    def __repr__(self) -> str:
        return f"GnuCashConnector({str(self.path)!r})"

    def close(self) -> None:
        self.engine.close()

    def release(self) -> None:
        """Let go of the book now: after a post the engine keeps its write session (and
        GnuCash's lock) for up to a second, for the next post."""
        if self.engine.running:
            self._ask("release")

    def _ask(self, op: str, **fields: Any) -> Any:
        return self.engine.request(
            op, book=str(self.path), break_lock=self.config.break_lock, **fields
        )

    def _posted(self, key: str, guid: str) -> PostedDocument:
        return PostedDocument(natural_key=key, external_id=f"gnucash:{guid}")

    # ---- hooks ---------------------------------------------------------------------------

    def send(self, document: OutgoingDocument, idempotency_key: str) -> PostedDocument:
        p = document.payload
        answer = self._ask(
            "post",
            document={
                "key": document.natural_key,
                "kind": document.kind,
                "date": document.date.date().isoformat(),
                "currency": document.currency,
                "home": self.config.currency,
                "fx_rate": str(p["fx_rate"]) if p.get("fx_rate") else None,
                "lines": [
                    {
                        "account": line["account"],
                        "amount": str(line["amount"]),
                        "memo": line.get("memo") or "",
                        "tax_code": line.get("tax_code") or "",
                    }
                    for line in p["lines"]
                ],
            },
        )
        return self._posted(document.natural_key, answer["guid"])

    def find_document(self, kind: str, natural_key: str) -> PostedDocument | None:
        found = self._ask("find", key=natural_key)
        return self._posted(natural_key, found[0]["guid"]) if found else None

    def read_page(self, kind: str, since: datetime, cursor: Cursor | None) -> ReadPage:
        """A page of hub documents in (date, key) order, each with the read-back payload
        reconciliation compares: kind, date, currency, total, status and the signed amount
        per account (``count`` > 1: the key is on several transactions)."""
        offset = int(cursor or 0)
        page = self._ask(
            "read", kind=kind, since=since.date().isoformat(), offset=offset, limit=self.page_size
        )
        rows = [_read_back(row) for row in page["rows"]]
        following = offset + len(rows)
        return rows, (following if rows and following < page["total"] else None)

    def list_accounts(self) -> Sequence[LedgerAccount]:
        return [
            LedgerAccount(a["name"], a["name"], "account")
            for a in self._ask("chart")
            if not a["placeholder"]
        ]

    def list_tax_codes(self) -> Sequence[LedgerAccount]:
        """GnuCash's tax tables belong to its business features; the hub's tax codes are
        the split Actions it wrote."""
        return [LedgerAccount(code, code, "tax_code") for code in self._ask("tax_codes")]

    def check_books(self) -> BooksCheck:
        """The book opens in GnuCash (created when absent) and its chart is read."""
        folder = self.path.parent
        if not folder.is_dir():
            raise FatalConfigurationError(f"gnucash: book folder {folder} does not exist")
        target = self.path if self.path.exists() else folder
        if not os.access(target, os.W_OK):
            raise FatalConfigurationError(f"gnucash: {target} is not writable by the hub")
        if not self.path.exists():
            self._ask("create")
        return super().check_books()

    def trial_balance(self) -> dict[str, Decimal]:
        """Every account's own balance (sub-accounts not rolled up) as GnuCash's engine
        computes it: the sum over the book is zero when it balances."""
        return {a["name"]: Decimal(a["balance"]) for a in self._ask("chart")}


def _read_back(row: dict[str, Any]) -> PostedDocument:
    accounts: dict[str, Decimal] = {}
    debits = Decimal(0)
    for account, value, _ in row["splits"]:
        amount = Decimal(value)
        accounts[account] = accounts.get(account, Decimal(0)) + amount
        debits += max(amount, Decimal(0))
    copies = int(row["copies"])
    return PostedDocument(
        natural_key=row["key"],
        external_id=f"gnucash:{row['guid']}",
        payload={
            "kind": row["kind"],
            "date": date.fromisoformat(row["date"]),
            "currency": row["currency"],
            "total": debits / copies,
            "status": "voided" if row["voided"] else "posted",
            "accounts": accounts,
            "count": copies,
        },
    )
