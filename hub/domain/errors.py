"""Errors the domain raises. Each names the record and the field it is about.

They carry structured attributes so the CLI and the API can render one clear line
(or a problem-details body) without parsing messages.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for every refusal the hub makes on purpose."""


class InvalidValue(DomainError):
    """A field holds a value the hub cannot accept."""

    def __init__(self, field: str, value: Any, reason: str, record: str | None = None) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.record = record
        where = f"{record}: " if record else ""
        super().__init__(f"{where}{field}={value!r}: {reason}")


class NotFound(DomainError):
    """A referenced record does not exist (in this tenant)."""

    def __init__(self, kind: str, key: Any, field: str | None = None) -> None:
        self.kind = kind
        self.key = key
        self.field = field or kind
        super().__init__(f"unknown {kind} {key!r}")


class AlreadyExists(DomainError):
    def __init__(self, kind: str, key: Any) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} already exists")


class CurrencyMismatch(DomainError):
    def __init__(self, left: str, right: str, field: str = "currency") -> None:
        self.left = left
        self.right = right
        self.field = field
        super().__init__(f"{field}: cannot combine {left} with {right}")


class IllegalTransition(DomainError):
    def __init__(self, record: str, current: str, target: str) -> None:
        self.record = record
        self.current = current
        self.target = target
        super().__init__(f"{record}: status cannot go from {current!r} to {target!r}")


class InsufficientStock(DomainError):
    """A change would take on_hand or reserved below zero, or reserved above on_hand."""

    def __init__(self, where: str, field: str, have: int, wanted: int) -> None:
        self.where = where
        self.field = field
        self.have = have
        self.wanted = wanted
        super().__init__(f"{where}: {field} is {have}, cannot take {wanted}")


class UnknownAmount(InvalidValue):
    """Arithmetic needs an amount the platform did not state: unknown is not zero, so the
    caller must wait (hold the document, skip the self-check) rather than count it as 0."""

    def __init__(self, field: str, record: str | None = None) -> None:
        super().__init__(field, None, "the platform did not state this amount", record=record)
