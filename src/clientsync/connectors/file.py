"""The `file` connector: a JSON file in the published Snapshot schema.

Useful offline, for exports, and as the reference connector. Incremental reads return only
items updated since the cursor (less an overlap window) plus an id census, so deletions
are noticed without re-sending every item.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clientsync.domain.model import Milestone, Project, WorkItem, describe_validation_error
from clientsync.errors import ConfigError, FatalTrackerError, TransientTrackerError
from clientsync.ports import ReadResult, RejectedItem

OVERLAP = timedelta(minutes=5)


class FileConnector:
    """Reads a project from `path`; config: `[[sources]] connector = "file"`, `path = "..."`."""

    name = "file"

    def __init__(
        self,
        path: Path,
        *,
        overlap: timedelta = OVERLAP,
        read_text: Callable[[Path], str] | None = None,
    ) -> None:
        self.path = path
        self.overlap = overlap
        # A seam for tests: how the file's text is read.
        self._read_text = read_text or (lambda p: p.read_text(encoding="utf-8"))

    def __repr__(self) -> str:
        return f"FileConnector({str(self.path)!r})"

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> FileConnector:
        unknown = set(options) - {"path", "overlap_minutes", "name"}
        if unknown:
            raise ConfigError(
                f"file connector: unknown option(s) {', '.join(sorted(unknown))}; "
                "it takes 'path' and 'overlap_minutes'"
            )
        if not isinstance(options.get("path"), str):
            raise ConfigError(
                "file connector: set 'path' to the snapshot JSON file, "
                'e.g. path = "snapshot.json"'
            )
        minutes = options.get("overlap_minutes", OVERLAP.total_seconds() / 60)
        return cls(base_dir / options["path"], overlap=timedelta(minutes=float(minutes)))

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        document = self._load()
        try:
            project = Project.model_validate(document.get("project"))
            milestones = tuple(Milestone.model_validate(m) for m in document.get("milestones", []))
        except ValidationError as exc:
            raise FatalTrackerError(
                f"{self.path}: {describe_validation_error(exc)}; fix the file and sync again"
            ) from None
        since = None if full or cursor is None else datetime.fromisoformat(cursor) - self.overlap
        items: list[WorkItem] = []
        rejected: list[RejectedItem] = []
        live: set[str] = set()
        latest = datetime.fromisoformat(cursor) if cursor else None
        for index, raw in enumerate(document.get("items", [])):
            ident = raw.get("id") if isinstance(raw, dict) else None
            if isinstance(ident, str) and ident:
                live.add(ident)
            try:
                item = WorkItem.model_validate(raw)
            except ValidationError as exc:
                key = raw.get("key") if isinstance(raw, dict) else None
                for error in exc.errors():
                    rejected.append(
                        RejectedItem(
                            source=str(self.path.name),
                            key=str(key or f"items[{index}]"),
                            field=".".join(str(p) for p in error["loc"]) or "(item)",
                            reason=error["msg"],
                        )
                    )
                continue
            latest = item.updated if latest is None else max(latest, item.updated)
            if since is None or item.updated >= since:
                items.append(item)
        return ReadResult(
            project=project,
            items=tuple(items),
            milestones=milestones,
            cursor=latest.isoformat() if latest else cursor,
            census=since is None,
            milestone_census=True,
            census_ids=frozenset(live) if since is not None else None,
            rejected=tuple(rejected),
        )

    def _load(self) -> dict[str, Any]:
        try:
            text = self._read_text(self.path)
        except FileNotFoundError:
            raise FatalTrackerError(f"file connector: {self.path} does not exist") from None
        except OSError as exc:
            raise FatalTrackerError(
                f"file connector: cannot read {self.path}: {exc.strerror}"
            ) from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            if not text.rstrip().endswith("}"):
                # It ends mid-document: another process is still writing it. Worth a retry.
                raise TransientTrackerError(
                    f"{self.path}: ends unexpectedly (still being written?); will retry"
                ) from None
            raise FatalTrackerError(
                f"{self.path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
        if not isinstance(document, dict):
            raise FatalTrackerError(
                f"{self.path}: expected a JSON object with 'project' and 'items'"
            )
        return document
