"""Daily summaries: one receipt per channel, closed day and currency instead of one per
order (posting policy `summary=daily`).

A day is summarised once it is over. An order that arrives for a day already
summarised gets its own receipt, flagged `late_for_daily:<day>`; an order that cannot
be built goes the per-order way and is held with its reason, so one bad order never
holds a whole day.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial

from hub.domain.document_builders import (
    Books,
    daily_key,
    daily_summary,
    order_key,
    sales_document,
)
from hub.domain.documents import Document, DocumentKind
from hub.domain.errors import DomainError
from hub.domain.orders import Order

__all__ = ["DailyCollector", "Emit"]

# (key, kind, source, the document's date, build): the date dates a held placeholder too,
# so a document that cannot be built is held in the period its event belongs to.
Emit = Callable[[str, DocumentKind, str, date, Callable[[], list[Document]]], None]


@dataclass
class DailyCollector:
    books: Books
    tenant_id: int
    today: date
    existing: Mapping[str, Document]
    groups: dict[tuple[str, date, str], list[Document]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.members = {m for doc in self.existing.values() for m in doc.members}

    def offer(self, order: Order, channel: str, day: date, emit: Emit) -> bool:
        """True when the order is taken care of the daily way (collected, covered by a
        summary, posted late on its own, or its day is not over yet)."""
        key = order_key(channel, order.external_id)
        if key in self.existing:
            return False  # it has its own document already: the per-order path decides
        if key in self.members or day >= self.today:
            return True
        if daily_key(channel, day, order.currency) in self.existing:
            emit(
                key,
                DocumentKind.SALES_RECEIPT,
                f"order:{order.id}",
                day,
                partial(_late, order, channel, self.books, day),
            )
            return True
        try:
            doc = sales_document(order, channel, self.books, day, paid=True)
        except DomainError:
            return False
        self.groups.setdefault((channel, day, doc.currency), []).append(doc)
        return True

    def flush(self, emit: Emit) -> None:
        for (channel, day, currency), docs in sorted(self.groups.items()):
            emit(
                daily_key(channel, day, currency),
                DocumentKind.SALES_RECEIPT,
                f"daily:{channel}:{day.isoformat()}",
                day,
                partial(_summary, channel, day, docs, self.books, self.tenant_id),
            )


def _summary(
    channel: str, day: date, docs: list[Document], books: Books, tenant_id: int
) -> list[Document]:
    return [daily_summary(channel, day, docs, books, tenant_id)]


def _late(order: Order, channel: str, books: Books, day: date) -> list[Document]:
    doc = sales_document(order, channel, books, day, paid=True)
    doc.flags.append(f"late_for_daily:{day.isoformat()}")
    return [doc]
