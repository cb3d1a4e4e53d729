"""Benchmark: the Trello connector against a plain py-trello script, on a loopback fake.

Run by hand (not a test): `python connectors/trello/bench/trello_sync.py`. For boards of
100, 1,000 and 5,000 cards (a checklist on every fifth, a comment on every tenth) served
with 50 ms latency per request, it prints requests, wall time and peak Python memory of:

- our connector: a full read, then an incremental read after 20 cards changed;
- the script a user would write: `board.all_cards()`, then each card's checklists and
  comments (py-trello fetches those one request per card).

The fake runs in a child process, so the memory figures are the client's alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
import tracemalloc
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import requests
from clientsync_trello import TrelloConnector
from clientsync_trello.testing import FakeTrello, populate_board
from pydantic import SecretStr

from clientsync.retry import RetryPolicy
from clientsync.testing import FakeRequest, ReplyLike, route

KEY, TOKEN = "bench-key", "bench-token"


class BenchTrello(FakeTrello):
    """The fake, plus two control routes for the benchmark (not part of Trello's API)."""

    @route("POST", r"/_bench/touch")
    def touch(self, request: FakeRequest) -> ReplyLike:
        count = int(request.arg("n", "20") or 20)
        for ident in sorted(self.cards)[-count:]:
            self.update_card(ident, name=f"Touched {ident}")
        return 200, {}, {"touched": count}

    @route("GET", r"/_bench/count")
    def count_requests(self, request: FakeRequest) -> ReplyLike:
        return 200, {}, {"count": self.count("/1/")}


def serve(cards: int, latency: float, pipe: Connection) -> None:
    fake = BenchTrello(api_key=KEY, token=TOKEN, latency=latency)
    populate_board(fake, cards, seed=1)
    for n, ident in enumerate(sorted(fake.cards)):
        if n % 10 == 0:
            card = fake.cards[ident]
            card["badges"]["comments"] += 1
            fake._act("commentCard", {"text": "Looks good", "card": fake._ref(card)})
    with fake:
        pipe.send((fake.url, fake.board_id))
        pipe.recv()  # until the parent is done


class Rebased:
    """What a user pointing py-trello at another host writes: a URL rewrite, no timeout."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, url.replace("https://api.trello.com", self.url), **kwargs)


def measure(fn: Callable[[], Any], count: Callable[[], int]) -> tuple[int, float, float]:
    before = count()
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    fn()
    wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return count() - before, wall, peak


def bench(cards: int, latency: float) -> list[tuple[str, int, float, float]]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(cards, latency, child), daemon=True)
    process.start()
    url, board_id = parent.recv()
    auth = {"key": KEY, "token": TOKEN}

    def count() -> int:
        return int(requests.get(f"{url}/_bench/count", params=auth, timeout=30).json()["count"])

    connector = TrelloConnector(
        board_id=board_id,
        api_key=SecretStr(KEY),
        token=SecretStr(TOKEN),
        base_url=url + "/1/",
        retry=RetryPolicy(),
    )
    rows = []
    result: dict[str, Any] = {}

    def full() -> None:
        result["full"] = connector.read(full=True)

    rows.append(("connector full read", *measure(full, count)))
    requests.post(f"{url}/_bench/touch", params={**auth, "n": "20"}, timeout=30)

    def incremental() -> None:
        result["inc"] = connector.read(cursor=result["full"].cursor)

    rows.append(("connector incremental (20 changed)", *measure(incremental, count)))
    assert len(result["inc"].items) == 20, len(result["inc"].items)

    def plain() -> None:
        from trello import TrelloClient

        client = TrelloClient(api_key=KEY, api_secret=TOKEN, http_service=Rebased(url))
        board = client.get_board(board_id)
        for card in board.all_cards():
            _ = card.checklists
            _ = card.comments

    rows.append(("py-trello all_cards + checklists + comments", *measure(plain, count)))
    parent.send("stop")
    process.join(timeout=30)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    print(f"latency {args.latency_ms:g} ms per request")
    print(f"{'cards':>6}  {'what':<46} {'requests':>8} {'wall s':>8} {'peak MB':>8}")
    for size in args.sizes:
        for what, requests_made, wall, peak in bench(size, args.latency_ms / 1000):
            print(f"{size:>6}  {what:<46} {requests_made:>8} {wall:>8.2f} {peak:>8.1f}")


if __name__ == "__main__":
    main()
