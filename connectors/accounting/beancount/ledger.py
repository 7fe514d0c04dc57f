"""Beancount text in and out: render one hub document as a transaction, check it with
Beancount's own loader before it touches the ledger, and index what the ledger holds."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from beancount import loader

from connectors.base import OutgoingDocument

__all__ = ["check", "opened_accounts", "posted_ids", "render_opens", "render_transaction"]

OPEN_DATE = "1970-01-01"
_HUB_ID = re.compile(r'^\s+hub_id:\s*"((?:[^"\\]|\\.)*)"', re.MULTILINE)
_OPEN = re.compile(r"^\d{4}-\d{2}-\d{2}\s+open\s+(\S+)", re.MULTILINE)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def posted_ids(text: str) -> dict[str, int]:
    """hub_id -> how many transactions carry it (more than one would be a duplicate)."""
    counts: dict[str, int] = {}
    for match in _HUB_ID.finditer(text):
        key = match.group(1).replace('\\"', '"').replace("\\\\", "\\")
        counts[key] = counts.get(key, 0) + 1
    return counts


def opened_accounts(text: str) -> set[str]:
    return set(_OPEN.findall(text))


def render_opens(accounts: Iterable[str]) -> str:
    return "".join(f"{OPEN_DATE} open {account}\n" for account in sorted(accounts))


def render_transaction(doc: OutgoingDocument, idempotency_key: str, home: str) -> str:
    """One transaction; amounts in the document currency, priced at the recorded rate
    (`@ rate HOME`) when the document is in another currency than the ledger's."""
    p: Mapping[str, Any] = doc.payload
    narration = f"{doc.kind} {doc.natural_key}"
    meta = {
        "hub_id": doc.natural_key,
        "hub_kind": doc.kind,
        "hub_ref": p.get("reference", ""),
        "hub_request": idempotency_key,
        "hub_source": p.get("source", ""),
    }
    if p.get("fx_rate"):
        meta["fx_rate"] = str(p["fx_rate"])
        meta["fx_source"] = str(p.get("fx_source") or "")
    if p.get("flags"):
        meta["hub_flags"] = ",".join(p["flags"])
    lines = [
        f"{doc.date.date().isoformat()} * {_quote(str(p.get('party', '')))} {_quote(narration)}"
    ]
    lines += [f"  {name}: {_quote(value)}" for name, value in meta.items()]
    price = f" @ {p['fx_rate']} {home}" if p.get("fx_rate") and doc.currency != home else ""
    for line in p["lines"]:
        amount = Decimal(line["amount"])
        lines.append(f"  {line['account']}  {amount} {doc.currency}{price}")
        if line.get("tax_code"):
            lines.append(f"    tax_code: {_quote(line['tax_code'])}")
        if line.get("memo"):
            lines.append(f"    memo: {_quote(line['memo'])}")
    return "\n".join(lines) + "\n\n"


def check(text: str) -> list[str]:
    """Beancount's own verdict (parse, balance, opened accounts) on a piece of ledger."""
    _, errors, _ = loader.load_string(text)
    return [str(getattr(e, "message", e)) for e in errors]
