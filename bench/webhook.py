"""Benchmark: signed Jira deliveries per second through the WSGI app, on loopback.

The handler runs as `clientsync serve` would (the stdlib server, a pool of worker
threads, the SQLite store, the real Jira connector mapping each delivery); a child
process plays Jira, POSTing `jira:issue_updated` deliveries shaped like the fixture,
each signed (`X-Hub-Signature`) and carrying its own `X-Atlassian-Webhook-Identifier`,
from several connections at once. Every delivery is verified, claimed, mapped, applied
and recorded; none changes anything that matters (a summary edit), so no report is built
for it, which is the common case. Then the same deliveries are sent again: replays.

    python bench/webhook.py [--deliveries 2000] [--issues 200] [--clients 4] [--workers 8]

Target: at least 200 deliveries/s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import statistics
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parents[1] / "tests/automation/fixtures/jira_issue_updated.json"
SECRET = "bench-webhook-secret"
BASE = datetime(2025, 6, 12, 8, 0, tzinfo=UTC)


def payload(template: dict[str, Any], number: int, summary: str, updated: datetime) -> bytes:
    data = json.loads(json.dumps(template))
    issue = data["issue"]
    issue["id"], issue["key"] = str(10000 + number), f"CS-{number}"
    issue["fields"]["summary"] = summary
    issue["fields"]["updated"] = updated.isoformat(timespec="milliseconds")
    data["timestamp"] = int(updated.timestamp() * 1000)
    data["changelog"] = {"id": str(500000 + number), "items": []}
    return json.dumps(data).encode()


def deliveries(count: int, issues: int, tag: str) -> Iterator[tuple[bytes, dict[str, str]]]:
    """Signed deliveries: `count` summary edits spread over `issues` issues, later ones newer."""
    from clientsync.automation import jira_signature

    template: dict[str, Any] = json.loads(FIXTURE.read_bytes())
    for n in range(count):
        summary = f"Client SSO login via Okta ({tag} edit {n})"
        body = payload(template, 1000 + n % issues, summary, BASE + timedelta(seconds=n))
        yield (
            body,
            {
                "Content-Type": "application/json",
                "X-Hub-Signature": jira_signature(SECRET.encode(), body),
                "X-Atlassian-Webhook-Identifier": f"{tag}-{n}",
            },
        )


def seed(config: Path, env: dict[str, str], issues: int) -> None:
    """The issues as the last sync left them, so the deliveries below are edits."""
    from clientsync.config import load_config
    from clientsync.registry import load
    from clientsync.services import open_store
    from clientsync.sync import apply_read

    loaded = load_config(config)
    source = loaded.sources[0]
    connector = load("jira").from_options(source.options, env=env, base_dir=loaded.base_dir)
    template: dict[str, Any] = json.loads(FIXTURE.read_bytes())
    earlier = BASE - timedelta(days=1)
    with open_store(loaded) as store:
        for number in range(1000, 1000 + issues):
            body = payload(template, number, "Client SSO login via Okta", earlier)
            result = connector.read_webhook(json.loads(body))  # type: ignore[attr-defined]
            apply_read(store, source.name, result, now=earlier)


def post_all(
    port: int, work: list[tuple[bytes, dict[str, str]]], clients: int
) -> tuple[float, list[float], dict[int, int]]:
    """POST every delivery from `clients` threads; (seconds, latencies, statuses)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    queue = list(reversed(work))

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                body, headers = queue.pop()
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", "/webhooks/jira", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, statuses


def tracker(pipe: Connection, port: int, count: int, issues: int, clients: int) -> None:
    """The child process: Jira sending deliveries, then the same ones again."""
    post_all(port, list(deliveries(50, issues, "warm")), clients)
    work = list(deliveries(count, issues, "run"))
    pipe.send(("new", *post_all(port, work, clients)))
    pipe.send(("replay", *post_all(port, work, clients)))
    pipe.close()


def write_config(directory: Path) -> Path:
    path = directory / "clientsync.toml"
    path.write_text(
        textwrap.dedent(
            """
            [project]
            name = "Client Portal"
            id = "CS"

            [store]
            path = "state.db"

            [[sources]]
            connector = "jira"
            url = "https://acme.atlassian.net"
            project = "CS"
            story_points_field = "customfield_10016"
            sprint_field = "customfield_10020"
            flagged_field = "customfield_10021"
            start_date_field = "none"

            [[audiences]]
            name = "client"
            cadence = "on-change"
            channel = { type = "file", path = "notices/client.md" }

            [webhooks.sources.jira]
            secret_env = "JIRA_WEBHOOK_SECRET"
            """
        ),
        encoding="utf-8",
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=8, help="server worker threads")
    args = parser.parse_args()

    from clientsync.automation import make_server, make_wsgi_app
    from clientsync.store import Store

    env = {
        "JIRA_EMAIL": "bench@example.com",
        "JIRA_API_TOKEN": "t",
        "JIRA_WEBHOOK_SECRET": SECRET,
    }
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp))
        seed(config, env, args.issues)
        app = make_wsgi_app(config, env=env)
        server = make_server(app, host="127.0.0.1", port=0, workers=args.workers)
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        port = int(server.server_address[1])
        ours, theirs = mp.Pipe(duplex=False)
        child = mp.get_context("spawn").Process(
            target=tracker, args=(theirs, port, args.deliveries, args.issues, args.clients)
        )
        child.start()
        results = [ours.recv(), ours.recv()]
        child.join()
        server.shutdown()
        server.server_close()
        with Store.open(Path(tmp) / "state.db") as store:
            items = len(store.snapshot("jira", taken_at=datetime.now(UTC)).items)
            remembered = store.deliveries.count("jira")
            published = len(store.publish_records("client"))

    print(
        f"webhook benchmark: {args.deliveries} signed jira:issue_updated deliveries over "
        f"{args.issues} issues, {args.clients} client connections, {args.workers} server "
        "workers, SQLite store, real Jira connector"
    )
    for phase, seconds, latencies, statuses in results:
        rate = len(latencies) / seconds
        median = statistics.median(latencies) * 1000
        p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
        print(
            f"  {phase:<7} {rate:8.1f} deliveries/s   median latency {median:6.2f} ms   "
            f"p95 {p95:6.2f} ms   statuses {dict(sorted(statuses.items()))}"
        )
    print(
        f"  store: {items} items, {remembered} deliveries remembered, "
        f"{published} on-change notices (none expected: no change mattered)"
    )
    target = results[0][2]
    verdict = "meets" if len(target) / results[0][1] >= 200 else "MISSES"
    print(f"  target >= 200 deliveries/s: {verdict}")


if __name__ == "__main__":
    main()
