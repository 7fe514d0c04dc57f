"""Core queries for where each review rule stands per order (tables_order_rules)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.db.tables_order_rules import order_rule_states
from hub.domain.order_rules import RuleHit

__all__ = ["HELD", "RELEASED", "OrderRuleStore"]

HELD, RELEASED = "held", "released"
_c = order_rule_states.c


class OrderRuleStore:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def states(self, order_id: int) -> dict[str, str]:
        """rule -> held | released, for the rules that ever fired for the order."""
        rows = self.session.execute(
            select(_c.rule, _c.state).where(_c.tenant_id == self.tenant_id, _c.order_id == order_id)
        )
        return {row.rule: row.state for row in rows}

    def released(self, order_id: int) -> set[str]:
        return {rule for rule, state in self.states(order_id).items() if state == RELEASED}

    def hold(self, order_id: int, hits: Iterable[RuleHit], at: datetime) -> None:
        """The rules now holding the order: exactly `hits` (an earlier hold by a rule that
        no longer fires is forgotten; released rules are never passed here)."""
        hits = list(hits)
        known = self.states(order_id)
        self.session.execute(
            delete(order_rule_states).where(
                _c.tenant_id == self.tenant_id,
                _c.order_id == order_id,
                _c.state == HELD,
                _c.rule.not_in([h.rule for h in hits]),
            )
        )
        for hit in hits:
            values = {"state": HELD, "detail": hit.detail, "actor": None, "changed_at": at}
            if hit.rule in known:
                self.session.execute(
                    update(order_rule_states)
                    .where(_c.order_id == order_id, _c.rule == hit.rule)
                    .values(**values)
                )
            else:
                self.session.execute(
                    order_rule_states.insert().values(
                        tenant_id=self.tenant_id, order_id=order_id, rule=hit.rule, **values
                    )
                )

    def release(
        self, order_id: int, rules: Collection[str] | None, actor: str, at: datetime
    ) -> list[str]:
        """Release the rules holding the order (only `rules` when given); returns them."""
        held = [r for r, s in self.states(order_id).items() if s == HELD]
        chosen = sorted(r for r in held if rules is None or r in rules)
        if chosen:
            self.session.execute(
                update(order_rule_states)
                .where(
                    _c.tenant_id == self.tenant_id,
                    _c.order_id == order_id,
                    _c.rule.in_(chosen),
                )
                .values(state=RELEASED, actor=actor, changed_at=at)
            )
        return chosen
