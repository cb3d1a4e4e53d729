"""`TrelloConnector`: one Trello board, read live in a constant handful of requests, or
offline from the board's JSON export; write-back as a card comment, exactly once.

A full read is one `/batch` (board, lists, labels, custom fields, the latest 1,000
actions) plus the cards with their checklists, custom-field items and members, 1,000 to
a page. An incremental read pages the board's actions since the cursor, then refetches
only the cards they name, ten to a `/batch` together with the lists and custom fields.
py-trello is imported only when a live connector first calls Trello.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from clientsync.domain.model import Project
from clientsync.errors import ConfigError, FatalTrackerError
from clientsync.ports import ReadResult, RejectedItem, WebhookRegistration
from clientsync.retry import RetryPolicy

from . import webhooks
from .api import CARD_PARAMS, TrelloApi, card_path
from .cards import BoardMeta
from .comments import CardComments
from .cursor import Cursor
from .export import load_export
from .history import changes_from_actions
from .http import TRELLO_BASE, TrelloHttpService
from .mapping import Mapped, completion_times, map_board, parse_cards
from .options import CARD_MILESTONE_MODES, MappingOptions
from .wire import REMOVING_ACTIONS, STRUCTURAL_ACTIONS, WireAction, WireCard, parse_actions

_CONNECTION_OPTIONS = frozenset(
    {"board_id", "api_key_env", "token_env", "export", "base_url", "timeout_seconds", "page_size"}
)


class TrelloConnector:
    """Reads one board (`board_id`, or `export` for a JSON export file) into clientsync."""

    name = "trello"

    def __init__(
        self,
        *,
        board_id: str | None = None,
        api_key: SecretStr | None = None,
        token: SecretStr | None = None,
        export: Path | None = None,
        mapping: MappingOptions | None = None,
        base_url: str = TRELLO_BASE,
        timeout: float = 30.0,
        page_size: int = 1000,
        retry: RetryPolicy | None = None,
        source: str = "trello",
    ) -> None:
        if (board_id is None) == (export is None):
            raise ConfigError("trello connector: set exactly one of 'board_id' and 'export'")
        if export is None and (api_key is None or token is None):
            raise ConfigError("trello connector: a live board needs an API key and a token")
        if not 1 <= page_size <= 1000:
            raise ConfigError("trello connector: 'page_size' is between 1 and 1000")
        self.board_id = board_id
        self.export = export
        self.mapping = mapping or MappingOptions()
        self.base_url = base_url
        self.timeout = timeout
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self.source = source
        self._api_key = api_key
        self._token = token
        self._client: TrelloApi | None = None
        self._comments: CardComments | None = None

    def __repr__(self) -> str:
        where = f"board_id={self.board_id!r}" if self.board_id else f"export={str(self.export)!r}"
        return f"TrelloConnector({where})"

    __str__ = __repr__

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], *, env: Mapping[str, str], base_dir: Path
    ) -> TrelloConnector:
        """Build from a `[[sources]]` table; credentials come from `env` by variable name."""
        mapping_keys = set(MappingOptions.model_fields)
        unknown = set(options) - _CONNECTION_OPTIONS - mapping_keys - {"name"}
        if unknown:
            raise ConfigError(
                f"trello connector: unknown option(s) {', '.join(sorted(unknown))}; it takes "
                f"{', '.join(sorted(_CONNECTION_OPTIONS | mapping_keys))}"
            )
        try:
            mapping = MappingOptions(**{k: v for k, v in options.items() if k in mapping_keys})
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"trello connector: option {where!r}: {first['msg']}") from None
        source = str(options.get("name", "trello"))
        if "export" in options:
            return cls(export=base_dir / str(options["export"]), mapping=mapping, source=source)
        board_id = options.get("board_id")
        if not isinstance(board_id, str) or not board_id:
            raise ConfigError(
                "trello connector: set 'board_id' (the id or the short link in the board's "
                "URL, trello.com/b/<shortLink>/...) or 'export' (a board's JSON export file)"
            )
        secrets = []
        for option, default in (("api_key_env", "TRELLO_API_KEY"), ("token_env", "TRELLO_TOKEN")):
            variable = str(options.get(option, default))
            if not env.get(variable):
                raise ConfigError(
                    f"trello connector: environment variable {variable} is not set; set it "
                    f"(or name another with {option} = ...)"
                )
            secrets.append(SecretStr(env[variable]))
        return cls(
            board_id=board_id,
            api_key=secrets[0],
            token=secrets[1],
            mapping=mapping,
            base_url=str(options.get("base_url", TRELLO_BASE)),
            timeout=float(options.get("timeout_seconds", 30.0)),
            page_size=int(options.get("page_size", 1000)),
            source=source,
        )

    # -- reading ------------------------------------------------------------------------

    def read(self, *, cursor: str | None = None, full: bool = False) -> ReadResult:
        if self.export is not None:
            return self._read_export()
        previous = None if full else Cursor.loads(cursor)
        if previous is not None and previous.action is not None:
            result = self._read_incremental(previous)
            if result is not None:
                return result
        return self._read_full()

    def _api(self) -> TrelloApi:
        if self._client is None:
            from trello import TrelloClient  # lazily: importing the connector stays cheap

            if self._api_key is None or self._token is None:
                raise ConfigError("trello connector: a live board needs an API key and a token")
            key, token = self._api_key.get_secret_value(), self._token.get_secret_value()
            service = TrelloHttpService(
                base_url=self.base_url, timeout=self.timeout, secrets=(key, token)
            )
            # A plain user token goes in the api_secret slot: py-trello then sends key+token
            # (which the service moves into a header); `token=` would mean OAuth1 signing.
            client = TrelloClient(api_key=key, api_secret=token, http_service=service)
            self._client = TrelloApi(client, service, self.retry)
        return self._client

    def _read_full(self) -> ReadResult:
        api, board = self._api(), self.board_id
        board_json, lists, labels, fields, actions = api.batch(
            [
                f"/boards/{board}",
                f"/boards/{board}/lists?filter=all",
                f"/boards/{board}/labels?limit=1000",
                f"/boards/{board}/customFields",
                f"/boards/{board}/actions?limit=1000",
            ]
        )
        if board_json is None:
            raise FatalTrackerError(
                f"trello board {board!r} was not found, or the token cannot see it"
            )
        meta = BoardMeta.parse(board_json, lists or [], labels or [], fields or [])
        cards: dict[str, WireCard] = {}
        rejected: list[RejectedItem] = []
        for page in api.pages(
            f"/boards/{board}/cards",
            {"filter": "all", **CARD_PARAMS},
            limit=self.page_size,
            what=f"cards of board {board}",
        ):
            # Parsed page by page: the raw JSON of one page at a time stays in memory.
            parsed, bad = parse_cards(page, self.source, self.mapping)
            cards.update((card.id, card) for card in parsed)
            rejected.extend(bad)
        return self._mapped(
            meta, list(cards.values()), rejected, parse_actions(actions or []), census=True
        )

    def _read_incremental(self, cursor: Cursor) -> ReadResult | None:
        """What changed since `cursor`, or None when only a full read can say."""
        api, board = self._api(), self.board_id
        raw: list[Any] = []
        for page in api.pages(
            f"/boards/{board}/actions",
            {"since": str(cursor.action)},
            limit=1000,
            what=f"actions of board {board}",
        ):
            raw.extend(page)
        actions = parse_actions(raw)
        if any(a.type in STRUCTURAL_ACTIONS for a in actions):
            return None
        changed: set[str] = set()
        removed: set[str] = set()
        for action in sorted(actions, key=lambda a: a.id):
            card_id = action.card_id
            if card_id is None:
                continue
            if action.type in REMOVING_ACTIONS:
                removed.add(card_id)
                changed.discard(card_id)
            else:
                changed.add(card_id)
                removed.discard(card_id)
        card_mode = self.mapping.milestones in CARD_MILESTONE_MODES
        if card_mode and (changed | removed) & set(cursor.milestone_cards):
            return None  # a milestone moved: which milestone each card falls under may shift
        newest = max((a.id for a in actions), default=cursor.action)
        if not changed and not removed:
            return ReadResult(
                project=self._project_stub(cursor),
                cursor=cursor.moved_to(newest).dumps(),
                changes=changes_from_actions(actions, self.mapping),
            )
        wanted = sorted(changed | set(cursor.milestone_cards))
        meta, bodies = self._board_context([card_path(ident) for ident in wanted])
        fetched = dict(zip(wanted, bodies, strict=True))
        deleted = set(removed)
        for ident, body in fetched.items():
            if body is None or body.get("idBoard") not in (None, meta.board.id):
                deleted.add(ident)  # deleted, or moved to another board, since the actions
        live = {i: b for i, b in fetched.items() if i not in deleted}
        context_ids = set(cursor.milestone_cards) - changed
        result = self._result(
            meta,
            [b for i, b in live.items() if i in changed],
            actions,
            census=False,
            context=[b for i, b in live.items() if i in context_ids],
            previous=newest,
        )
        now_cursor = Cursor.loads(result.cursor)
        now_milestones = set(now_cursor.milestone_cards) if now_cursor else set()
        if card_mode and now_milestones != set(cursor.milestone_cards) - deleted:
            return None  # a card became (or stopped being) a milestone
        return ReadResult(
            project=result.project,
            items=result.items,
            milestones=result.milestones,
            deleted=tuple(sorted(deleted)),
            cursor=result.cursor,
            milestone_census=card_mode,
            changes=result.changes,
            rejected=result.rejected,
        )

    def _board_context(
        self, extra: Sequence[str], *, labels: bool = False
    ) -> tuple[BoardMeta, list[Any | None]]:
        """The board, its lists and custom fields (and labels), then `extra`'s bodies.

        One `/batch` while `extra` holds at most 6 URLs (5 with `labels`).
        """
        board = self.board_id
        head = [
            f"/boards/{board}",
            f"/boards/{board}/lists?filter=all",
            f"/boards/{board}/customFields",
            *([f"/boards/{board}/labels?limit=1000"] if labels else []),
        ]
        bodies = self._api().batch([*head, *extra])
        board_json, lists, fields = bodies[:3]
        if board_json is None:
            raise FatalTrackerError(f"trello board {board!r} is gone, or the token lost access")
        label_json = (bodies[3] or []) if labels else []
        meta = BoardMeta.parse(board_json, lists or [], label_json, fields or [])
        return meta, bodies[len(head) :]

    def _read_export(self) -> ReadResult:
        assert self.export is not None
        document = load_export(self.export)
        try:
            meta = BoardMeta.parse(
                document,
                document.get("lists") or [],
                document.get("labels") or [],
                document.get("customFields") or [],
            )
        except ValidationError as error:
            raise FatalTrackerError(
                f"{self.export}: not a Trello board export ({error.errors()[0]['msg']})"
            ) from None
        actions = parse_actions(document.get("actions") or [])
        return self._result(meta, document["cards"], actions, census=True)

    def _result(
        self,
        meta: BoardMeta,
        raw_cards: Sequence[Any],
        actions: Sequence[WireAction],
        *,
        census: bool,
        context: Sequence[Any] = (),
        previous: str | None = None,
    ) -> ReadResult:
        cards, rejected = parse_cards(raw_cards, self.source, self.mapping)
        context_cards, _ = parse_cards(context, self.source, self.mapping)
        return self._mapped(
            meta,
            cards,
            rejected,
            actions,
            census=census,
            context=context_cards,
            previous=previous,
        )

    def _mapped(
        self,
        meta: BoardMeta,
        cards: Sequence[WireCard],
        rejected: Sequence[RejectedItem],
        actions: Sequence[WireAction],
        *,
        census: bool,
        context: Sequence[WireCard] = (),
        previous: str | None = None,
    ) -> ReadResult:
        mapped: Mapped = map_board(
            meta,
            cards,
            self.mapping,
            source=self.source,
            completions=completion_times(actions, meta, self.mapping),
            milestone_context=context,
            with_milestones=census,
        )
        newest = max((a.id for a in actions), default=previous)
        return ReadResult(
            project=self._project(meta),
            items=mapped.items,
            milestones=mapped.milestones,
            cursor=Cursor(
                newest, mapped.milestone_cards, meta.board.id, meta.board.name, meta.board.url
            ).dumps(),
            census=census,
            milestone_census=census,
            changes=changes_from_actions(actions, self.mapping),
            rejected=(*rejected, *mapped.rejected),
        )

    def _project(self, meta: BoardMeta) -> Project:
        return Project(
            id=meta.board.id,
            name=meta.board.name or meta.board.id,
            url=meta.board.url,
            tracker="trello",
            timezone=self.mapping.timezone,
        )

    def _project_stub(self, cursor: Cursor) -> Project:
        board = cursor.board_id or str(self.board_id)
        return Project(
            id=board,
            name=cursor.board_name or board,
            url=cursor.board_url,
            tracker="trello",
            timezone=self.mapping.timezone,
        )

    # -- webhooks -----------------------------------------------------------------------

    def read_webhook(self, payload: Mapping[str, Any]) -> ReadResult:
        """One verified delivery `{"action": …, "model": …}` as a partial read."""
        return webhooks.read_delivery(self, payload)

    def register_webhook(self, url: str, *, secret: str | None = None) -> WebhookRegistration:
        """Create (or reuse) the token's webhook on this board that posts to `url`."""
        return webhooks.register(self, url, secret=secret)

    # -- writing ------------------------------------------------------------------------

    def post_update(self, target: str, body: str, *, idempotency_key: str) -> str:
        """Comment `body` on the card `target` (key, title, short link or id), once per key."""
        if self.export is not None:
            raise FatalTrackerError(f"trello export {self.export} is read-only: nothing to post to")
        if self._comments is None:
            self._comments = CardComments(self._api(), str(self.board_id), self.mapping)
        return self._comments.post(target, body, idempotency_key=idempotency_key)
