"""Where each review rule stands for each order (docs/allocation.md, "Order review").

One row per (order, rule) the rule ever fired for: `held` while it holds the order,
`released` once an operator released it (it then never holds that order again). Orders
no rule ever fired for have no rows, so the allocation hot path reads nothing here.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint

from hub.db.tables import metadata
from hub.db.types import Id, UTCDateTime

__all__ = ["order_rule_states"]

order_rule_states = Table(
    "order_rule_states",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tenant_id", Id, ForeignKey("tenants.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # held | released
    Column("detail", Text, nullable=False, default=""),  # what the rule saw, for the operator
    Column("actor", String(200), nullable=True),  # who released it
    Column("changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("order_id", "rule", name="uq_order_rule_states_order_rule"),
    CheckConstraint("state IN ('held', 'released')", name="state_known"),
)
