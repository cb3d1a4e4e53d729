"""The base of every domain model: frozen, strict about unknown fields, UTC inside."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""An aware datetime, normalised to UTC so equal instants compare and serialise equal."""


class DomainModel(BaseModel):
    """Frozen, rejects unknown fields, validates defaults and assignments alike."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_default=True,
        ser_json_timedelta="float",
    )
