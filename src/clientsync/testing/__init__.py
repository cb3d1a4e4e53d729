"""Test support shipped for connector authors and library users.

`FakeTracker` and `FixedClock` stand in for a tracker and the clock; `ConnectorContract`
is the behaviour every connector proves by subclassing it; `FakeServer` is the base of a
connector's loopback fake of its tracker's HTTP API, with injectable faults.

The contract is a pytest base class, so it is imported on first use: the fakes work
without pytest installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .fakes import FakeTracker, FakeTrackerBackend, FixedClock
from .fakeserver import (
    ConnectionReset,
    FakeRequest,
    FakeServer,
    Fault,
    RateLimited,
    RecordedRequest,
    Reply,
    ReplyLike,
    ServerError,
    Slow,
    Truncated,
    route,
)

if TYPE_CHECKING:
    from .contract import ConnectorContract, ContractBackend, WritableContractBackend

_CONTRACT_NAMES = frozenset({"ConnectorContract", "ContractBackend", "WritableContractBackend"})

__all__ = [
    "ConnectionReset",
    "ConnectorContract",
    "ContractBackend",
    "FakeRequest",
    "FakeServer",
    "FakeTracker",
    "FakeTrackerBackend",
    "Fault",
    "FixedClock",
    "RateLimited",
    "RecordedRequest",
    "Reply",
    "ReplyLike",
    "ServerError",
    "Slow",
    "Truncated",
    "WritableContractBackend",
    "route",
]


def __getattr__(name: str) -> Any:
    if name in _CONTRACT_NAMES:
        from . import contract

        return getattr(contract, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
