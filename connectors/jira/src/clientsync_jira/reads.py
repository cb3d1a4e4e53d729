"""How issues, versions and changelogs are fetched: the fewest requests each read allows.

- Full read, Cloud (default `full_read = "bulkfetch"`): walk the ids with `fields=id`
  pages (up to 5,000 a page), then fetch details 100 at a time with concurrent
  `POST issue/bulkfetch`. The id walk doubles as the census.
- Full read, `full_read = "search"` or Data Center: sequential field-selected search pages.
- Incremental: `updated >= <epoch ms>` search pages, ordered by update time.
- Changelogs come embedded (`expand=changelog`); those Jira truncated
  (`total > len(histories)`) are completed with `changelog/bulkfetch` (Data Center:
  `issue/{key}/changelog`), so no old transition is silently lost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from clientsync.errors import FatalTrackerError

from .client import JiraApi, as_mapping, chunks
from .pagination import OffsetPaginator, TokenPaginator
from .wire import History

__all__ = ["IssueReader"]

BULKFETCH_SIZE = 100
CHANGELOG_BULK_SIZE = 1000
BASE_FIELDS = (
    "summary",
    "status",
    "issuetype",
    "priority",
    "resolution",
    "security",
    "assignee",
    "reporter",
    "labels",
    "duedate",
    "created",
    "updated",
    "resolutiondate",
    "statuscategorychangedate",
    "fixVersions",
    "parent",
    "issuelinks",
    "timeoriginalestimate",
    "timespent",
)


class IssueReader:
    """Issue, census, version and changelog reads for one project over a `JiraApi`."""

    def __init__(
        self,
        api: JiraApi,
        *,
        cloud: bool,
        page_size: int,
        id_page_size: int,
        concurrency: int,
        history: bool,
    ) -> None:
        self.api = api
        self.cloud = cloud
        self.page_size = page_size
        self.id_page_size = id_page_size
        self.concurrency = concurrency
        self.history = history

    @property
    def expand(self) -> str | None:
        return "changelog" if self.history else None

    # -- searches -----------------------------------------------------------------------

    def search(
        self, jql: str, fields: Sequence[str], *, page_size: int
    ) -> Iterator[dict[str, Any]]:
        """Every issue the JQL matches, page by page (token on Cloud, offset on DC)."""
        if self.cloud:
            tokens = TokenPaginator("search/jql")
            while not tokens.done:
                page = self.api.search_page(
                    jql, fields, token=tokens.token, max_results=page_size, expand=self.expand
                )
                yield from _issues(page)
                tokens.advance(page)
        else:
            offsets = OffsetPaginator("search")
            while not offsets.done:
                page = self.api.legacy_search_page(
                    jql,
                    fields,
                    start_at=offsets.start_at,
                    max_results=page_size,
                    expand=self.expand,
                )
                issues = _issues(page)
                yield from issues
                offsets.advance(page, len(issues))

    def ids(self, jql: str) -> list[str]:
        """The ids the JQL matches, in order, with `fields=id` pages of the largest size."""
        seen: dict[str, None] = {}
        for issue in self.search_ids(jql):
            seen.setdefault(str(issue["id"]), None)
        return list(seen)

    def search_ids(self, jql: str) -> Iterator[dict[str, Any]]:
        if not self.cloud:
            yield from self._dc_ids(jql)
            return
        tokens = TokenPaginator("search/jql (ids)")
        while not tokens.done:
            page = self.api.search_page(
                jql, ["id"], token=tokens.token, max_results=self.id_page_size, expand=None
            )
            yield from _issues(page)
            tokens.advance(page)

    def _dc_ids(self, jql: str) -> Iterator[dict[str, Any]]:
        offsets = OffsetPaginator("search (ids)")
        while not offsets.done:
            page = self.api.legacy_search_page(
                jql, ["id"], start_at=offsets.start_at, max_results=self.id_page_size, expand=None
            )
            issues = _issues(page)
            yield from issues
            offsets.advance(page, len(issues))

    def bulkfetch(self, ids: Sequence[str], fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Details of `ids`, 100 a request, `concurrency` requests at a time, in id order.

        Pages are yielded as they arrive (the caller maps one while the next are fetched).
        Issues Jira reports in `issueErrors` (retriable there) are asked once more; ids it
        leaves out entirely were deleted or hidden since the walk.
        """
        expand = ["changelog"] if self.history else []

        def fetch(batch: Sequence[str]) -> dict[str, Any]:
            return self.api.bulkfetch(batch, fields, expand=expand)

        seen: set[str] = set()
        pending: list[str] = list(ids)
        for _round in range(2):
            errored: list[str] = []
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                for page in pool.map(fetch, list(chunks(pending, BULKFETCH_SIZE))):
                    for issue in _issues(page):
                        seen.add(str(issue["id"]))
                        yield issue
                    errored.extend(
                        str(e.get("id"))
                        for e in page.get("issueErrors") or ()
                        if isinstance(e, Mapping)
                    )
            pending = [i for i in errored if i not in seen]
            if not pending:
                break

    # -- versions and changelogs ----------------------------------------------------------

    def versions(self, project: str) -> list[dict[str, Any]]:
        offsets = OffsetPaginator("project versions")
        found: list[dict[str, Any]] = []
        while not offsets.done:
            page = self.api.versions_page(project, start_at=offsets.start_at)
            values = [v for v in page.get("values") or () if isinstance(v, dict)]
            found.extend(values)
            offsets.advance(page, len(values))
        return found

    @staticmethod
    def truncated(issue: Mapping[str, Any], since: datetime | None = None) -> bool:
        """Jira cut this issue's embedded changelog short, and the cut matters to this read.

        With `since` (an incremental read), embedded histories reaching back before
        `since` cover the read: the older ones were read before.
        """
        log = as_mapping(issue.get("changelog"))
        total, histories = log.get("total"), log.get("histories") or ()
        if not (isinstance(total, int) and total > len(histories)):
            return False
        if since is not None and histories:
            oldest = min(
                (h.created for h in map(_history, histories) if h and h.created), default=None
            )
            if oldest is not None and oldest < since:
                return False
        return True

    def changelogs(
        self, issues: Sequence[tuple[str, str]], field_ids: Sequence[str]
    ) -> dict[str, list[History]]:
        """Issue id -> every history of the (id, key) issues, oldest first."""
        if not issues:
            return {}
        if self.cloud:
            return self._changelog_bulk([ident for ident, _ in issues], field_ids)
        return {ident: self._issue_changelog(key) for ident, key in issues}

    def _changelog_bulk(
        self, ids: Sequence[str], field_ids: Sequence[str]
    ) -> dict[str, list[History]]:
        found: dict[str, list[History]] = {i: [] for i in ids}
        for batch in chunks(ids, CHANGELOG_BULK_SIZE):
            tokens = TokenPaginator("changelog/bulkfetch")
            while not tokens.done:
                page = self.api.changelog_bulkfetch(batch, field_ids, token=tokens.token)
                for entry in page.get("issueChangeLogs") or ():
                    issue_id = str(as_mapping(entry).get("issueId"))
                    found.setdefault(issue_id, []).extend(
                        History.model_validate(h) for h in entry.get("changeHistories") or ()
                    )
                tokens.advance(page)
        return found

    def _issue_changelog(self, key: str) -> list[History]:
        offsets = OffsetPaginator(f"issue {key} changelog")
        histories: list[History] = []
        while not offsets.done:
            page = self.api.issue_changelog(key, start_at=offsets.start_at)
            values = page.get("values") or page.get("histories") or ()
            histories.extend(History.model_validate(h) for h in values)
            offsets.advance(page, len(values))
        return histories


def _history(raw: Any) -> History | None:
    try:
        return History.model_validate(raw)
    except ValueError:
        return None


def _issues(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    issues = page.get("issues")
    if not isinstance(issues, list):
        raise FatalTrackerError("Jira answered a search without an `issues` list")
    return [i for i in issues if isinstance(i, dict) and "id" in i]
