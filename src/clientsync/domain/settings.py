"""Tunable thresholds of the views, with documented defaults.

Every number a view compares against lives here, so config can override it and docs can
list it. Values are validated; nothing here reads the environment.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from .base import DomainModel


class ForecastMode(StrEnum):
    SEQUENTIAL = "sequential"
    """Milestones are worked in due-date order: each waits for the earlier ones."""
    PARALLEL = "parallel"
    """Each milestone is forecast alone, as if the team worked only on it."""


class ForecastUnit(StrEnum):
    AUTO = "auto"
    ITEMS = "items"
    ESTIMATE = "estimate"


class ForecastSettings(DomainModel):
    trials: int = Field(10_000, ge=100, le=1_000_000)
    window_days: int = Field(42, ge=7, le=365, description="Trailing days of throughput.")
    mode: ForecastMode = ForecastMode.SEQUENTIAL
    unit: ForecastUnit = Field(
        ForecastUnit.AUTO,
        description="auto: by estimate when every open and recently done item has one.",
    )
    horizon_days: int = Field(730, ge=30, le=3650, description="Give up simulating past this.")


class StatusSettings(DomainModel):
    green_probability: float = Field(0.85, gt=0, le=1)
    amber_probability: float = Field(0.5, ge=0, le=1)
    period_days: int = Field(7, ge=1, le=92, description="'Coming up' looks this far ahead.")
    waiting_on_client_statuses: tuple[str, ...] = (
        "waiting for client",
        "waiting on client",
        "awaiting client",
        "waiting for customer",
        "client review",
    )
    waiting_on_client_labels: tuple[str, ...] = ("waiting-on-client", "client-review")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.amber_probability > self.green_probability:
            raise ValueError("amber_probability must not exceed green_probability")
        return self


class RiskSettings(DomainModel):
    stale_days: int = Field(14, ge=1, description="In progress with no update for this long.")
    blocked_high_days: int = Field(5, ge=0, description="Blocked this long is high severity.")
    due_soon_days: int = Field(7, ge=0, description="Unassigned and due within this many days.")
    overdue_high_days: int = Field(7, ge=0, description="Overdue this long is high severity.")
    scope_creep_percent: float = Field(10.0, ge=0, description="Scope growth vs baseline.")
    date_slip_days: int = Field(1, ge=1, description="Milestone moved later by at least this.")
    forecast_slip_probability: float = Field(0.85, gt=0, le=1)
    client_response_days: int = Field(2, ge=0, description="SLA: a client request answered.")
    client_resolution_days: int = Field(10, ge=0, description="SLA: a client request closed.")
    missing_estimate_percent: float = Field(
        20.0, ge=0, le=100, description="Share of a milestone's open items without estimate."
    )


class ReportSettings(DomainModel):
    forecast: ForecastSettings = ForecastSettings()
    status: StatusSettings = StatusSettings()
    risks: RiskSettings = RiskSettings()
