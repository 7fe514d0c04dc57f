"""list indexes: every operator list, filter, report window and retention sweep reads an
index in the order it pages, so its cost follows the page or the window, not the history

Measured on PostgreSQL with 1M orders (3M lines, 5.9M movements; bench/scale.py):
without these, the first page of orders sorted the whole orders table (400 ms), a one-day
filter scanned it (230 ms), the 24 h overview scanned 1M rows to keep 985, and turnover
read the whole ledger (1.0 s).

- orders (tenant_id, placed_at, id): the order list newest first with keyset paging
  (WHERE (placed_at, id) < cursor ORDER BY placed_at DESC, id DESC LIMIT n reads n index
  entries), the placed-at filters, every windowed report, the overview's last 24 h.
- orders (tenant_id, status, placed_at, id): the status filter and the held-orders list
  in the same order (held orders are few among millions: without it the list walks the
  placed-at index until it has found a page).
- orders (channel_id, placed_at, id): the channel filter in the same order.
- stock_movements (tenant_id, created_at): turnover reads the window of the ledger only.
- stock_movements (tenant_id, sku_id, created_at): stale-stock asks, per SKU, for its
  last movement and whether one is in the window: one index probe each.
- sync_errors (tenant_id, resolved_at, id): the open error queue in id order (the older
  (tenant_id, resolved_at) index leaves equal keys in heap order, so a page had to sort).
- audit_entries (tenant_id, id) and (tenant_id, action, id): the audit trail newest first,
  with or without an action filter.
- inbox_records (order_id): an order's raw payloads (was a scan of the whole archive).
- inbox_records (received_at), webhook_deliveries (received_at), push_deliveries
  (delivered_at), outbox_events (created_at): the retention sweep deletes by age in
  batches without scanning (hub/services/retention.py).
- webhook_deliveries (channel_id, received_at), push_deliveries (channel_id,
  delivered_at): the sync-health report counts its window per channel.

Revision ID: 0010_list_indexes
Revises: 0009_listing_push, 0007_operator
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_list_indexes"
# The audit trail (0007_operator) and the outbox (0002_allocation, its ancestor) are on
# another branch of the schema: they must exist before their indexes, so this revision
# follows both heads.
down_revision: str | Sequence[str] | None = ("0009_listing_push", "0007_operator")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    ("ix_orders_tenant_placed", "orders", ["tenant_id", "placed_at", "id"]),
    ("ix_orders_tenant_status_placed", "orders", ["tenant_id", "status", "placed_at", "id"]),
    ("ix_orders_channel_placed", "orders", ["channel_id", "placed_at", "id"]),
    ("ix_stock_movements_tenant_created", "stock_movements", ["tenant_id", "created_at"]),
    (
        "ix_stock_movements_tenant_sku_created",
        "stock_movements",
        ["tenant_id", "sku_id", "created_at"],
    ),
    ("ix_sync_errors_tenant_open_id", "sync_errors", ["tenant_id", "resolved_at", "id"]),
    ("ix_audit_entries_tenant_id", "audit_entries", ["tenant_id", "id"]),
    ("ix_audit_entries_tenant_action", "audit_entries", ["tenant_id", "action", "id"]),
    ("ix_inbox_records_order", "inbox_records", ["order_id"]),
    ("ix_inbox_records_received", "inbox_records", ["received_at"]),
    ("ix_webhook_deliveries_received", "webhook_deliveries", ["received_at"]),
    ("ix_webhook_deliveries_channel_received", "webhook_deliveries", ["channel_id", "received_at"]),
    ("ix_push_deliveries_delivered", "push_deliveries", ["delivered_at"]),
    (
        "ix_push_deliveries_channel_delivered",
        "push_deliveries",
        ["channel_id", "delivered_at"],
    ),
    ("ix_outbox_events_created", "outbox_events", ["created_at"]),
)


def upgrade() -> None:
    # IF NOT EXISTS: on a big PostgreSQL database an operator builds these first with
    # CREATE INDEX CONCURRENTLY (no write lock), and the migration then skips them.
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, if_not_exists=True)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
