"""Kept so existing imports keep working: the sync settings are the ``sync`` section of the
one ``hub.config.Settings`` (``settings.sync``)."""

from hub.config import SyncSettings

__all__ = ["SyncSettings"]
