"""Where clientsync keeps state between runs: synced items, history, baselines, reports.

The default store is one SQLite file (`Store.open(path)`); the sync engine writes through
`Store.sync_transaction`, whose small surface (`SyncWriter`) is what another backend would
implement.
"""

from .codec import HistoryEntry, payload_digest
from .publish_log import PublishRecord, PublishState
from .schema import SCHEMA_VERSION
from .sqlite import DEFAULT_BUSY_TIMEOUT, Store
from .writer import ItemRow, MilestoneRow, StoredItem, StoredMilestone, SyncWriter

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "SCHEMA_VERSION",
    "HistoryEntry",
    "ItemRow",
    "MilestoneRow",
    "PublishRecord",
    "PublishState",
    "Store",
    "StoredItem",
    "StoredMilestone",
    "SyncWriter",
    "payload_digest",
]
