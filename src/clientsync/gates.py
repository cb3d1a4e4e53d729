"""CI gates: `--fail-on` values parsed into `Gate`s, each judged on a report with a reason.

A gate either names a level (`red`, `amber`, `risk:high`, `risk:critical`) or a drift
threshold against the agreed baseline, worded the way a project manager would say it:

- `drift:slip-days=N`: an open milestone is expected more than N days after the date
  agreed in the baseline. Expected is the latest of its due date now, its P85 forecast
  and today (it is not done yet).
- `drift:scope-pct=N`: an open milestone's scope grew more than N% since the baseline, by
  item count or by estimate (when every item involved has one), whichever is larger.

Delivered milestones are left out of the drift gates: their drift is history, told by the
retrospective, not something to fail a job over. Without a baseline a drift gate is
skipped, not passed: there is nothing to measure against.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .domain.drift_models import DriftKind, MilestoneDrift
from .domain.report import Report
from .domain.risk_models import Severity
from .domain.status import MilestoneStatus, Rag
from .errors import ConfigError

NAMED_GATES = ("red", "amber", "risk:high", "risk:critical")
"""The gates that take no threshold, mildest last within each family."""

THRESHOLD_GATES = ("drift:slip-days", "drift:scope-pct")
"""The gates written `NAME=N`."""

USAGE = "use red, amber, risk:high, risk:critical, drift:slip-days=N or drift:scope-pct=N"


class GateError(ConfigError, ValueError):
    """A `--fail-on` value that is not a gate (a usage error: exit code 2)."""


class Outcome(StrEnum):
    PASSED = "passed"
    TRIPPED = "tripped"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Gate:
    """One `--fail-on` value: `name` (as in NAMED_GATES or THRESHOLD_GATES) and threshold."""

    name: str
    threshold: float | None = None

    def __post_init__(self) -> None:
        if self.name in NAMED_GATES:
            if self.threshold is not None:
                raise GateError(f"gate {self.name} takes no threshold")
        elif self.name in THRESHOLD_GATES:
            if self.threshold is None or not 0 <= self.threshold < math.inf:
                raise GateError(f"gate {self.name} needs a threshold of 0 or more")
            if self.name == "drift:slip-days" and not float(self.threshold).is_integer():
                raise GateError(f"gate {self.name} counts whole days")
        else:
            raise GateError(f"unknown gate {self.name!r}; {USAGE}")

    def __str__(self) -> str:
        if self.threshold is None:
            return self.name
        return f"{self.name}={_number(self.threshold)}"

    def evaluate(self, report: Report) -> GateResult:
        if self.name in ("red", "amber"):
            return _rag_gate(self, report, Rag(self.name))
        if self.name.startswith("risk:"):
            return _risk_gate(self, report, Severity(self.name.removeprefix("risk:")))
        if report.drift.baseline_id is None:
            return GateResult(
                self,
                Outcome.SKIPPED,
                "no baseline to measure drift against; "
                "capture one with `clientsync baseline capture`",
            )
        assert self.threshold is not None  # __post_init__ guarantees one for drift gates
        if self.name == "drift:slip-days":
            return _slip_gate(self, report, self.threshold)
        return _scope_gate(self, report, self.threshold)


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    outcome: Outcome
    detail: str
    """Why, on one line: `milestone 'Beta' is red: P85 2026-12-18 is after ...`."""

    @property
    def tripped(self) -> bool:
        return self.outcome is Outcome.TRIPPED

    @property
    def reason(self) -> str:
        """The one-line reason, starting with the gate: `red: milestone 'Beta' is red: ...`."""
        return f"{self.gate}: {self.detail}"


def parse_gate(text: str) -> Gate:
    """`red`, `risk:high`, `drift:slip-days=14`, ...; a GateError names the valid forms."""
    spec = text.strip().lower()
    name, has_value, value = spec.partition("=")
    name = name.strip()
    if name in NAMED_GATES:
        if has_value:
            raise GateError(f"gate {name} takes no threshold: write --fail-on {name}")
        return Gate(name)
    if name not in THRESHOLD_GATES:
        raise GateError(f"unknown gate {text!r}; {USAGE}")
    unit = "days" if name == "drift:slip-days" else "percent"
    if not has_value:
        raise GateError(f"gate {name} needs a threshold in {unit}, e.g. {name}=14")
    value = value.strip()
    whole = name == "drift:slip-days"
    pattern = r"\d+" if whole else r"\d+(\.\d+)?"
    if not re.fullmatch(pattern, value):
        kind = "a whole number of days" if whole else "a number of percent"
        raise GateError(f"{name}={value}: the threshold must be {kind}, 0 or more")
    return Gate(name, float(value))


def evaluate(report: Report, gates: Iterable[Gate]) -> tuple[GateResult, ...]:
    """Each distinct gate judged on `report`, in the order given."""
    return tuple(gate.evaluate(report) for gate in dict.fromkeys(gates))


# --- level gates ------------------------------------------------------------------------


def _rag_gate(gate: Gate, report: Report, floor: Rag) -> GateResult:
    overall = report.status.overall
    if overall.rag.rank < floor.rank:
        return GateResult(gate, Outcome.PASSED, f"overall is {overall.rag.value}")
    # Worst first; sorted() is stable, so equally bad milestones keep the report's order.
    culprits = sorted(
        (m for m in report.status.milestones if m.rag.rank >= floor.rank),
        key=lambda m: -m.rag.rank,
    )
    if culprits:
        first = culprits[0]
        why = f"milestone '{first.name}' is {first.rag.value}: {'; '.join(first.reasons)}"
        why += _more(len(culprits) - 1, "milestone")
    else:  # a project-wide risk set the colour
        why = f"overall is {overall.rag.value}"
        if overall.reasons:
            why += ": " + "; ".join(overall.reasons)
    return GateResult(gate, Outcome.TRIPPED, _line(f"{why}"))


def _risk_gate(gate: Gate, report: Report, floor: Severity) -> GateResult:
    serious = sorted(
        (r for r in report.risks if r.severity.rank >= floor.rank),
        key=lambda r: -r.severity.rank,
    )
    if not serious:
        return GateResult(gate, Outcome.PASSED, f"no risk is {floor.value} or worse")
    worst = serious[0]
    why = f"{worst.severity.value} risk: {worst.title}" + _more(len(serious) - 1, "risk")
    return GateResult(gate, Outcome.TRIPPED, _line(f"{why}"))


# --- drift gates ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slip:
    drift: MilestoneDrift
    agreed: date
    expected: date | None
    """None: the forecast runs past its horizon (later than any date)."""
    by: str

    @property
    def days(self) -> float:
        return math.inf if self.expected is None else (self.expected - self.agreed).days

    def describe(self) -> str:
        name = self.drift.name
        if self.expected is None:
            return f"milestone '{name}' is forecast past the horizon, agreed {self.agreed}"
        return (
            f"milestone '{name}' expected {self.expected} ({self.by}), "
            f"{_count(int(self.days), 'day')} after the agreed {self.agreed}"
        )


def _slip_gate(gate: Gate, report: Report, threshold: float) -> GateResult:
    slips = sorted(_slips(report), key=lambda s: -s.days)
    late = [s for s in slips if s.days > threshold]
    if late:
        why = late[0].describe() + _more(len(late) - 1, "milestone")
        return GateResult(gate, Outcome.TRIPPED, _line(f"{why}"))
    if not slips:
        return GateResult(gate, Outcome.PASSED, "no open milestone has an agreed date")
    return GateResult(gate, Outcome.PASSED, _line(f"the latest is {slips[0].describe()}"))


def _slips(report: Report) -> Iterable[_Slip]:
    for drift, status in _open_milestones(report):
        if drift.baseline_due is None:
            continue  # nothing was agreed about its date
        # Still open: it cannot be delivered before today, whatever the dates say.
        candidates: list[tuple[date | None, str]] = [(report.status.as_of, "still open")]
        if status.due is not None:
            candidates.append((status.due, "due date"))
        predicted = status.forecast
        if predicted is not None:
            if predicted.p85 is not None:
                candidates.append((predicted.p85, "P85 forecast"))
            elif predicted.p50 is not None or predicted.probability_on_time is not None:
                # The trials ran but 85% of them had not finished by the horizon.
                candidates.append((None, "P85 forecast"))
        expected, by = max(candidates, key=lambda c: date.max if c[0] is None else c[0])
        yield _Slip(drift, drift.baseline_due, expected, by)


def _scope_gate(gate: Gate, report: Report, threshold: float) -> GateResult:
    new = {e.subject for e in report.drift.events if e.kind is DriftKind.MILESTONE_ADDED}
    growths = sorted((_growth(d) for d, _ in _open_milestones(report)), key=lambda g: -g.percent)
    grown = [g for g in growths if g.percent > threshold]
    if grown:
        why = grown[0].describe(new=grown[0].drift.milestone in new)
        why += _more(len(grown) - 1, "milestone")
        return GateResult(gate, Outcome.TRIPPED, _line(f"{why}"))
    if not growths:
        return GateResult(gate, Outcome.PASSED, "no open milestone to compare")
    return GateResult(gate, Outcome.PASSED, _line(f"the most is {growths[0].describe()}"))


@dataclass(frozen=True)
class _Growth:
    drift: MilestoneDrift
    percent: float
    by: str

    def describe(self, *, new: bool = False) -> str:
        d = self.drift
        if new:
            added = _count(d.items_added, "item")
            return f"milestone '{d.name}' was added after the baseline, with {added}"
        return (
            f"milestone '{d.name}' scope {_signed(self.percent)}% {self.by} since the baseline "
            f"({d.items_added} added, {d.items_removed} removed)"
        )


def _growth(drift: MilestoneDrift) -> _Growth:
    by_estimate = drift.scope_change_percent_estimate
    if by_estimate is not None and by_estimate > drift.scope_change_percent_count:
        return _Growth(drift, by_estimate, "by estimate")
    return _Growth(drift, drift.scope_change_percent_count, "by item count")


def _open_milestones(report: Report) -> Iterable[tuple[MilestoneDrift, MilestoneStatus]]:
    """Drift totals of the milestones still open now (removed ones have no status)."""
    status = {m.id: m for m in report.status.milestones}
    for drift in report.drift.milestones:
        current = status.get(drift.milestone)
        if current is not None and not current.completed:
            yield drift, current


# --- wording ----------------------------------------------------------------------------


def _line(text: str) -> str:
    """One line, whatever tracker text (names, titles) brought in."""
    return " ".join(text.split())


def _more(n: int, noun: str) -> str:
    return f" (and {_count(n, 'more ' + noun)})" if n else ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _number(value: float) -> str:
    """`14`, `12.5`: as written, never in exponent form (which parse_gate refuses)."""
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")


def _signed(value: float) -> str:
    return f"{value:+.0f}" if value == round(value) else f"{value:+.1f}"
