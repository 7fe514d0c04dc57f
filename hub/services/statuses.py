"""Per-channel status overrides, and the mapping context a connector maps records with."""

from __future__ import annotations

from hub.db.repositories_mapping import mapping_repos
from hub.db.unit_of_work import UnitOfWork
from hub.domain.errors import InvalidValue, NotFound
from hub.domain.mappings import StatusOverride
from hub.domain.orders import OrderStatus
from mapping.mapper import Context
from mapping.statuses import Rule, rules_for

__all__ = ["mapping_context", "remove_status_override", "set_status_override", "status_rules"]


def _target(value: str) -> OrderStatus:
    try:
        return OrderStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise InvalidValue("target", value, f"use one of {allowed}", "status override") from None


def set_status_override(
    uow: UnitOfWork, channel_name: str, field: str, value: str, target: str
) -> StatusOverride:
    status = _target(target)
    if not field or not value:
        raise InvalidValue(
            "field", f"{field}={value}", "field and value are required", "status override"
        )
    with uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None and uow.tenant_id is not None
        repo = mapping_repos(uow).status_overrides
        found = repo.find(channel_id=channel.id, field=field, value=value)
        if found is None:
            found = repo.add(StatusOverride(uow.tenant_id, channel.id, field, value, status))
        found.target = status
        uow.commit()
        return found


def remove_status_override(uow: UnitOfWork, channel_name: str, field: str, value: str) -> None:
    with uow:
        channel = uow.channels.by_key(channel_name)
        repo = mapping_repos(uow).status_overrides
        found = repo.find(channel_id=channel.id, field=field, value=value)
        if found is None:
            raise NotFound("status override", f"{channel_name}: {field}={value}")
        uow.session.delete(found)
        uow.commit()


def _overrides(uow: UnitOfWork, channel_id: int) -> list[Rule]:
    repo = mapping_repos(uow).status_overrides
    return [Rule(o.field, o.value, o.target) for o in repo.list(channel_id=channel_id)]


def status_rules(uow: UnitOfWork, channel_name: str) -> list[Rule]:
    """The channel's effective rules, in the order they are tried."""
    with uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        return rules_for(channel.platform, _overrides(uow, channel.id))


def mapping_context(uow: UnitOfWork, channel_name: str) -> Context:
    """What a platform mapper needs for this channel: ids, shop currency, status overrides."""
    with uow:
        channel = uow.channels.by_key(channel_name)
        assert channel.id is not None
        return Context(
            tenant_id=channel.tenant_id,
            channel_id=channel.id,
            platform=channel.platform,
            currency=channel.currency,
            extra={"channel_name": channel.name, "status_overrides": _overrides(uow, channel.id)},
        )
