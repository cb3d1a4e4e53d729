"""Benchmark: reading a 10,000-task Asana project from FakeAsana on loopback (50 ms latency).

Compares the clientsync Asana connector with the plain script a user would write over
the SDK's paging iterator, and measures an incremental read after 50 changes. The fake
runs in a child process, so peak memory (tracemalloc) is the reader's alone.

    python bench/asana_sync.py [--tasks 10000] [--sections 10] [--latency 0.05]

tap-asana (singer, pins asana==5.2.4) runs from its own virtualenv when `--tap-python`
names that environment's python (`python -m venv /tmp/tapvenv && /tmp/tapvenv/bin/pip
install tap-asana==2.5.1`). It is pointed at the fake by setting the SDK's default
`Configuration.host` and bypassing its OAuth refresh (it would call app.asana.com);
its memory is the child's maximum RSS, not a tracemalloc peak.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import resource
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

TOKEN = "bench-token"


def serve(pipe: Connection, tasks: int, sections: int, latency: float) -> None:
    from clientsync_asana.testing import FakeAsana

    with FakeAsana(token=TOKEN) as fake:
        project = fake.add_project("Bench", with_default_section=False)
        columns = [fake.add_section(project, f"Column {n}") for n in range(sections)]
        gids = [
            fake.add_task(project, f"Task {n}", section=columns[n % sections], due_on="2024-07-01")
            for n in range(tasks)
        ]
        for m in range(5):
            fake.add_task(project, f"M{m}", resource_subtype="milestone", dependencies=gids[m::500])
        fake.latency = latency
        pipe.send((fake.api_url, project))
        while True:
            command = pipe.recv()
            if command == "count":
                pipe.send(len(fake.requests))
            elif command == "change":
                for gid in gids[:50]:
                    fake.update_task(gid, name=f"Changed {gid}")
                pipe.send(True)
            else:
                return


def measure(label: str, pipe: Connection, fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Requests and wall time of one run; peak memory from a second run under tracemalloc
    (which slows allocation-heavy code too much to time it in the same run)."""
    pipe.send("count")
    before = pipe.recv()
    started = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - started
    pipe.send("count")
    requests = pipe.recv() - before
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, [label, str(requests), f"{wall:.2f}", f"{peak / 2**20:.1f}"]


TAP_WRAPPER = """
import sys, asana
from tap_asana import asana as tap_client
url, token = sys.argv[1], sys.argv[2]
tap_client.Asana.refresh_access_token = lambda self: token
config = asana.Configuration()
config.host = url
asana.Configuration.set_default(config)
sys.argv = ["tap-asana", *sys.argv[3:]]
from tap_asana import main
main()
"""


def run_tap(tap_python: str, url: str, pipe: Connection) -> list[str]:
    """tap-asana's tasks stream over the whole fake, as a user would run it."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(
            json.dumps(
                {
                    "client_id": "x",
                    "client_secret": "x",
                    "redirect_uri": "http://127.0.0.1/",
                    "refresh_token": "x",
                    "start_date": "2000-01-01T00:00:00Z",
                }
            )
        )
        base = [tap_python, "-c", TAP_WRAPPER, url, TOKEN, "--config", str(config)]
        catalog = json.loads(
            subprocess.run([*base, "--discover"], capture_output=True, check=True).stdout
        )
        for stream in catalog["streams"]:
            selected = stream["tap_stream_id"] == "tasks"
            for entry in stream["metadata"]:
                if not entry["breadcrumb"]:
                    entry["metadata"]["selected"] = selected
        catalog_path = Path(tmp) / "catalog.json"
        catalog_path.write_text(json.dumps(catalog))
        pipe.send("count")
        before = pipe.recv()
        started = time.perf_counter()
        done = subprocess.run(
            [*base, "--catalog", str(catalog_path)], capture_output=True, check=True
        )
        wall = time.perf_counter() - started
        pipe.send("count")
        requests = pipe.recv() - before
    records = sum(1 for line in done.stdout.splitlines() if b'"type": "RECORD"' in line)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return [
        "tap-asana 2.5.1 (tasks stream)",
        str(requests),
        f"{wall:.2f}",
        f"{peak:.1f} RSS",
        str(records),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--tap-python", help="python of a virtualenv with tap-asana installed")
    args = parser.parse_args()

    import asana
    from clientsync_asana import AsanaConnector
    from clientsync_asana.mapping import TASK_FIELDS
    from pydantic import SecretStr

    ours, theirs = mp.Pipe()
    child = mp.get_context("spawn").Process(
        target=serve, args=(theirs, args.tasks, args.sections, args.latency)
    )
    child.start()
    url, project = ours.recv()
    rows = []
    try:

        def plain_script() -> int:
            config = asana.Configuration()
            config.access_token = TOKEN
            config.host = url
            client = asana.ApiClient(config)
            tasks_api = asana.TasksApi(client)
            return len(list(tasks_api.get_tasks_for_project(project, {"opt_fields": TASK_FIELDS})))

        count, row = measure("plain SDK iterator script", ours, plain_script)
        rows.append([*row, str(count)])

        if args.tap_python:
            rows.append(run_tap(args.tap_python, url, ours))

        connector = AsanaConnector(
            project=project, token=SecretStr(TOKEN), host=url, concurrency=args.concurrency
        )
        full, row = measure("clientsync-asana full read", ours, lambda: connector.read(full=True))
        rows.append([*row, str(len(full.items) + len(full.milestones))])

        ours.send("change")
        ours.recv()
        incremental, row = measure(
            "clientsync-asana incremental (50 changed)",
            ours,
            lambda: connector.read(cursor=full.cursor),
        )
        rows.append([*row, str(len(incremental.items))])
        connector.close()
    finally:
        ours.send("stop")
        child.join()

    minimum = math.ceil((args.tasks + 5) / 100)
    header = ["reader", "requests", "wall s", "peak MiB", "tasks"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    print(
        f"page minimum {minimum} requests; {args.tasks} tasks in {args.sections} sections, "
        f"{args.latency * 1000:.0f} ms latency"
        + ("" if args.tap_python else "; tap-asana: not run (pass --tap-python)")
    )


if __name__ == "__main__":
    main()
