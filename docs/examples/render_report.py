"""Render a report as Markdown, HTML and JSON (the JSON follows docs/schema/report.json)."""

from pathlib import Path

from clientsync import Snapshot, build_report, render_markdown
from clientsync.render import render_html
from clientsync.services import example_dir

snapshot = Snapshot.from_json((example_dir() / "snapshots" / "2026-11-23.json").read_bytes())
report = build_report(snapshot, as_of=snapshot.taken_at)  # the client's view by default

Path("status.md").write_text(render_markdown(report), encoding="utf-8")
Path("status.html").write_text(render_html(report, charts=False), encoding="utf-8")
Path("status.json").write_text(report.to_json(), encoding="utf-8")
print(render_markdown(report).splitlines()[0])
