"""The commented clientsync.toml that `clientsync init` writes.

The values shown are the defaults (a test keeps them in step with the models), so a user
sees every knob and changes only what they need.
"""

from __future__ import annotations

INIT_TEMPLATE = """\
# clientsync.toml: what to read, where to keep state, and who gets which update.
#
# Secrets never go in this file. Options ending in _env name an environment variable
# that holds the secret (set it in your shell or your CI's secret store).

[project]
name = "Website relaunch"
# IANA time zone for day boundaries: when "today" ends, what counts as overdue.
timezone = "UTC"
# id = "website-relaunch"          # defaults to a slug of the name

# One [[sources]] table per tracker. `name` defaults to the connector; names must be unique.
[[sources]]
connector = "file"
path = "snapshot.json"             # a Snapshot JSON file, relative to this file

# Jira Cloud (pip install clientsync-jira):
# [[sources]]
# connector = "jira"
# url = "https://your-company.atlassian.net"
# project = "WEB"
# email_env = "JIRA_EMAIL"
# token_env = "JIRA_API_TOKEN"
#
# Trello (pip install clientsync-trello):
# [[sources]]
# connector = "trello"
# board_id = "your-board-id"
# api_key_env = "TRELLO_API_KEY"
# token_env = "TRELLO_TOKEN"
#
# Asana (pip install clientsync-asana):
# [[sources]]
# connector = "asana"
# project = "1207139462811000"
# token_env = "ASANA_ACCESS_TOKEN"

[store]
path = ".clientsync/state.db"      # relative to this file
busy_timeout_seconds = 10          # wait this long for another clientsync run to finish

[forecast]
trials = 10000                     # Monte Carlo trials per forecast
window_days = 42                   # trailing days of throughput to sample from
mode = "sequential"                # sequential: milestones in due-date order; or parallel
unit = "auto"                      # auto, items, or estimate
horizon_days = 730                 # give up simulating past this

[status]
green_probability = 0.85           # on time with at least this chance: green
amber_probability = 0.5            # at least this chance: amber; below: red
period_days = 7                    # "coming up" looks this far ahead
# Items in these statuses or with these labels wait on the client:
# waiting_on_client_statuses = ["waiting for client", "client review"]
# waiting_on_client_labels = ["waiting-on-client", "client-review"]

[risks]
stale_days = 14                    # in progress with no update for this long
blocked_high_days = 5              # blocked this long is high severity
due_soon_days = 7                  # unassigned and due within this many days
overdue_high_days = 7              # overdue this long is high severity
scope_creep_percent = 10.0         # scope growth against the baseline
date_slip_days = 1                 # a milestone moved later by at least this
forecast_slip_probability = 0.85   # chance of meeting the date below this is a risk
client_response_days = 2           # SLA: a client request answered
client_resolution_days = 10        # SLA: a client request closed
missing_estimate_percent = 20.0    # share of a milestone's open items without an estimate

[visibility]
# Items with any of these labels never reach a client or executive audience.
internal_labels = ["internal"]
# Item fields each detail level does not see (assignee and extra are never shown to them).
client_hidden_fields = ["assignee", "extra"]
executive_hidden_fields = ["assignee", "extra", "spent_hours", "labels", "blocked_reason", "url"]

# The communication plan: one [[audiences]] table per group of people.
# level: executive, client or internal. cadence: weekly, biweekly (with weekday = mon..sun),
# monthly, or on-change. channel type: file, tracker, email or webhook (secrets via *_env).
# sections (default all): overall, milestones, done, in_progress, blocked, overdue,
# coming_up, requests, decisions, risks, changes.

[[audiences]]
name = "client-sponsor"
level = "client"
contacts = ["sponsor@client.example"]
cadence = "weekly"
weekday = "mon"
sections = [
  "overall", "milestones", "done", "in_progress", "blocked", "overdue",
  "coming_up", "requests", "risks", "changes",
]
# Escalate when the overall status is red two reports running.
escalation = { rag = "red", reports = 2, to = ["account-director@agency.example"] }

[audiences.channel]
type = "file"
path = "reports/client-sponsor.md"

[[audiences]]
name = "team"
level = "internal"
contacts = ["team@agency.example"]
cadence = "on-change"

[audiences.channel]
type = "file"
path = "reports/team.md"
"""
