"""Build a report: the agreed baseline, then every view of today's snapshot."""

from clientsync import DetailLevel, Snapshot, build_report, capture_baseline
from clientsync.services import example_dir

snapshots = example_dir() / "snapshots"
kickoff = Snapshot.from_json((snapshots / "2026-10-26.json").read_bytes())
baseline = capture_baseline(
    kickoff, id="kickoff", captured_at=kickoff.taken_at, agreed_by="Jordan Lee (Acme)"
)
today = Snapshot.from_json((snapshots / "2026-11-23.json").read_bytes())
report = build_report(today, as_of=today.taken_at, baseline=baseline, level=DetailLevel.CLIENT)

print("overall:", report.status.overall.rag.value)
for milestone in report.status.milestones:
    print(f"  {milestone.rag.value:<5} {milestone.name}: {'; '.join(milestone.reasons)}")
print("gate red trips:", report.breaches("red"))
