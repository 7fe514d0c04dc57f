"""Dependencies as annotated aliases: `def view(sync: SyncDep)`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.services.sync_context import Dispatcher, SyncContext


def _sync(request: Request) -> SyncContext:
    sync: SyncContext = request.app.state.sync
    return sync


def _dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


SyncDep = Annotated[SyncContext, Depends(_sync)]
DispatcherDep = Annotated[Dispatcher, Depends(_dispatcher)]
