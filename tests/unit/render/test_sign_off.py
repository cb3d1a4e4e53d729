"""Every format shows which notices await sign-off and which changes the client has agreed,
with the same words, and tracker or typed text in the record stays inert."""

from __future__ import annotations

import json
import re
from datetime import date

from clientsync.domain.visibility import DetailLevel
from clientsync.render import (
    render_adf,
    render_adf_json,
    render_asana_status,
    render_email,
    render_html,
    render_markdown,
    render_text,
)

from .builders import IMG, SCRIPT, signed_off_report
from .test_adf import check, text_nodes
from .test_html import elements

NEXT = date(2026, 12, 4)
FIRST = (
    "Launch: due date moved from 2026-12-04 to 2026-12-18 (+14 days) "
    "— agreed by Jordan Lee on 2026-10-18 (agreed on the call)"
)
SECOND = "Budget: over budget — agreed by Sam Client on 2026-11-07"


def test_the_view_has_one_pending_notice_and_one_signed_off() -> None:
    drift = signed_off_report().drift
    assert [(n.id, n.acknowledged_by) for n in drift.notices] == [
        ("m1", None),
        ("budget", "Sam Client"),
    ]
    assert [n.id for n in drift.awaiting_sign_off] == ["m1"]
    assert [a.notice_id for a in drift.acknowledgements] == ["m1", "budget"]


def test_markdown_labels_each_notice_and_lists_the_agreed_changes() -> None:
    markdown = render_markdown(signed_off_report())
    order = [
        "## Changes to what we agreed",
        "### Launch — awaiting your sign-off",
        "### Budget — agreed by Sam Client on 2026-11-07",
        "### Changes you have agreed",
        f"- {FIRST}",
        f"- {SECOND}",
    ]
    positions = [markdown.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "clientsync baseline accept" not in markdown


def test_an_executive_reads_the_record_too() -> None:
    # Spent hours are hidden from executives, so their report has no budget notice; the
    # record of what the client agreed has no figures and is shown all the same.
    markdown = render_markdown(signed_off_report(DetailLevel.EXECUTIVE))
    assert "### Launch — awaiting your sign-off" in markdown
    assert "### Budget" not in markdown
    assert f"### Changes you have agreed\n\n- {FIRST}\n- {SECOND}\n" in markdown


def test_internal_markdown_offers_the_accept_command_only_for_pending_notices() -> None:
    markdown = render_markdown(signed_off_report(DetailLevel.INTERNAL))
    assert "clientsync baseline accept --notice m1 --by NAME" in markdown
    assert "--notice budget" not in markdown


def test_html_marks_the_signed_off_notice_and_lists_the_agreed_changes() -> None:
    html = render_html(signed_off_report(), next_update=NEXT, charts=False)
    assert '<span class="signoff">Awaiting your sign-off</span>' in html
    assert '<span class="signoff agreed">Agreed by Sam Client on 2026-11-07</span>' in html
    section = html[
        html.index('<section id="changes">') : html.index(
            "</section>", html.index('<section id="changes">')
        )
    ]
    assert "<h3>Changes you have agreed</h3>" in section
    assert f"<li>{FIRST}</li>" in section
    assert f"<li>{SECOND}</li>" in section
    assert ".signoff.agreed" in html  # styled apart from a pending one


def test_adf_says_who_agreed_and_lists_the_record() -> None:
    document = render_adf(signed_off_report(), next_update=NEXT)
    check(document)
    texts = [n["text"] for n in text_nodes(document)]
    assert texts.count("Awaiting your sign-off") == 1
    assert "Agreed by Sam Client on 2026-11-07" in texts
    assert "Changes you have agreed" in texts
    assert FIRST in texts and SECOND in texts


def test_text_asana_and_email_carry_the_same_words() -> None:
    report = signed_off_report()
    text = render_text(report, next_update=NEXT)
    assert "Launch (Awaiting your sign-off)" in text
    assert "Budget (Agreed by Sam Client on 2026-11-07)" in text
    assert f"Changes you have agreed:\n- {FIRST}\n- {SECOND}\n" in text
    asana = render_asana_status(report, next_update=NEXT).text
    assert f"Changes you have agreed:\n- {FIRST}\n- {SECOND}\n" in asana
    email = render_email(report, next_update=NEXT, charts=False)
    assert email.text == text
    assert f"<li>{FIRST}</li>" in email.html


def test_the_json_report_holds_the_record_and_the_sign_off() -> None:
    data = json.loads(signed_off_report().to_json())
    drift = data["drift"]
    assert [a["notice_id"] for a in drift["acknowledgements"]] == ["m1", "budget"]
    assert drift["acknowledgements"][0]["note"] == "agreed on the call"
    budget = next(n for n in drift["notices"] if n["id"] == "budget")
    assert budget["acknowledged_by"] == "Sam Client"
    assert budget["acknowledged_at"] == "2026-11-07T09:00:00Z"


def test_without_notices_the_record_still_shows() -> None:
    report = signed_off_report()
    quiet = report.model_copy(update={"drift": report.drift.model_copy(update={"notices": ()})})
    markdown = render_markdown(quiet)
    assert "No changes since the baseline." in markdown
    assert f"- {FIRST}" in markdown
    texts = [n["text"] for n in text_nodes(render_adf(quiet))]
    assert "No changes since the baseline." in texts and SECOND in texts
    assert f"<li>{SECOND}</li>" in render_html(quiet, charts=False)


def test_markup_in_the_record_renders_as_text_in_every_format() -> None:
    report = signed_off_report(hostile=True)
    html = render_html(report, next_update=NEXT, charts=False)
    assert SCRIPT not in html and IMG not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tags = {tag for tag, _ in elements(html)}
    assert "script" not in tags and "img" not in tags
    markdown = render_markdown(report)
    assert "\\<script>" in markdown
    assert re.search(r"(?<!\\)<(script|img)", markdown) is None
    adf = json.loads(render_adf_json(report))
    check(adf)
    assert any(SCRIPT in n["text"] and IMG in n["text"] for n in text_nodes(adf))
