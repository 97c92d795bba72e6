"""The admin dashboard in headless Chromium: over the real app with seeded data, and over the
contract with data the store would not easily produce (markup in questions, a day without data).

Screenshots are kept in artifacts/dashboard/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import UI_TIMEOUT_MS, DashboardPage, SeededApp
from tests.dashboard.contract_app import BY_CAUSE, CASE_DAYS, CASES, HOSTILE, TIMESERIES, TOKEN, UNANSWERED

pytestmark = pytest.mark.browser

OpenDashboard = Callable[..., DashboardPage]
RATES = ("deflection_rate", "answer_rate", "decline_rate")
ENDINGS = ("concluded", "handed_off", "abandoned", "open")


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def signed_in(open_dashboard: OpenDashboard, app: SeededApp, **kwargs: Any) -> DashboardPage:
    dash = open_dashboard(app.url, **kwargs)
    dash.sign_in(app.token)
    dash.wait_loaded()
    return dash


# ---- the real app, seeded -------------------------------------------------------------


def test_without_a_token_the_page_asks_for_it_and_the_api_refuses(
    open_dashboard: OpenDashboard, seeded_app: SeededApp
) -> None:
    dash = open_dashboard(seeded_app.url)
    dash.page.wait_for_selector("#token-input", timeout=UI_TIMEOUT_MS)
    assert "Enter the admin token" in dash.text("#status")
    assert dash.page.locator("#content").is_hidden()
    assert dash.admin_requests == []  # it does not even try without a token
    # The same call the page would make, without the header, from the page's origin:
    status = dash.page.evaluate("fetch('/v1/admin/analytics/summary').then(r => r.status)")
    assert status == 401
    dash.screenshot("sign-in")

    dash.sign_in("not-the-token")
    dash.page.wait_for_selector("#status[data-kind=error]", timeout=UI_TIMEOUT_MS)
    assert "refused the admin token (HTTP 401)" in dash.text("#status")
    assert dash.page.locator("#content").is_hidden() and dash.page.locator("#token-input").is_visible()
    assert dash.page.evaluate("sessionStorage.length") == 0  # a refused token is not kept
    dash.screenshot("token-refused")
    assert dash.errors == [], dash.errors


def test_plots_render_the_seeded_figures(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    dash = signed_in(open_dashboard, seeded_app)
    page = dash.page
    since, until = page.input_value("#f-since"), page.input_value("#f-until")
    window = {"since": since, "until": until}
    summary = seeded_app.api("/v1/admin/analytics/summary", **window)
    days = seeded_app.api("/v1/admin/analytics/timeseries", **window)["days"]
    channels = seeded_app.api("/v1/admin/analytics/breakdown", by="channel", **window)["rows"]
    languages = seeded_app.api("/v1/admin/analytics/breakdown", by="language", **window)["rows"]
    top = seeded_app.api("/v1/admin/analytics/top-faq", limit=10, **window)["rows"]
    groups = seeded_app.api("/v1/admin/analytics/unanswered", limit=20, **window)["groups"]
    assert summary["conversations"] > 0 and len(days) >= 7, "the demo seed should fill the default 30-day window"

    # Numbers shown
    assert dash.text(".kpi-deflection_rate .kpi-value") == pct(summary["deflection_rate"])
    assert dash.text(".kpi-answer_rate .kpi-value") == pct(summary["answer_rate"])
    assert dash.text(".kpi-conversations .kpi-value") == f"{summary['conversations']:,}"
    assert dash.text(".kpi-handoffs .kpi-value") == f"{summary['handoffs']:,}"
    # Rates over time: one line per rate, one point per day that has a value
    for rate in RATES:
        assert dash.count(f"#chart-rates path.line-{rate}") == 1
        assert dash.count(f"#chart-rates circle.point-{rate}") == sum(d[rate] is not None for d in days)
    # Volume: one column of conversations and one of hand-offs per day
    assert dash.count("#chart-volume rect.bar-conversations") == len(days)
    assert dash.count("#chart-volume rect.bar-handoffs") == len(days)
    # Per channel and per language: a bar per rate per key, the key and its rate as text
    for chart, rows in (("#chart-channel", channels), ("#chart-language", languages)):
        assert rows
        assert dash.count(f"{chart} g.bar-group") == len(rows)
        assert dash.count(f"{chart} rect.bar") == 3 * len(rows)
        values = page.locator(f"{chart} .bar-value").all_text_contents()
        assert f"{round(rows[0]['deflection_rate'] * 100)}%" in values  # whole percents on the bars
    assert channels[0]["key"] in dash.text("#chart-channel")
    # Top FAQ: one row per entry, stacked useful / not useful / no feedback
    assert dash.count("#chart-top-faq li.hbar-row") == len(top) > 0
    assert dash.count("#chart-top-faq rect.bar-useful") == len(top)
    assert top[0]["question"] in dash.text("#chart-top-faq li.hbar-row >> nth=0")
    # Unanswered groups with counts and examples
    assert dash.count("#unanswered-list li.group") == len(groups) > 0
    assert str(groups[0]["count"]) in dash.text("#unanswered-list li.group >> nth=0 >> .count")
    # Long lists show their head, and the rest on demand
    assert page.locator("#unanswered-list li.group:visible").count() == min(8, len(groups))
    if len(groups) > 8:
        page.click("#unanswered-list button.show-more")
        assert page.locator("#unanswered-list li.group:visible").count() == len(groups)
        page.click("#unanswered-list button.show-more")
    # The token travelled in the header of every admin call, and in no address
    assert dash.admin_requests and all(r["auth"] == f"Bearer {seeded_app.token}" for r in dash.admin_requests)
    assert not any(seeded_app.token in r["url"] for r in dash.admin_requests)
    dash.screenshot("dashboard-en")
    assert dash.errors == [], dash.errors


def test_connectivity_cases_render_the_seeded_figures(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    dash = signed_in(open_dashboard, seeded_app)
    page = dash.page
    window = {"since": page.input_value("#f-since"), "until": page.input_value("#f-until")}
    cases = seeded_app.api("/v1/admin/analytics/cases", **window)
    days = seeded_app.api("/v1/admin/analytics/cases/timeseries", **window)["days"]
    tickets = seeded_app.api("/v1/admin/tickets", status="open")["tickets"]
    assert cases["cases"] > 0 and cases["concluded"] > 0, "the demo seed should have connectivity cases"
    for key in ("cases", *ENDINGS):
        assert dash.text(f"#cases-kpis .kpi-{key} .kpi-value") == f"{cases[key]:,}"
    # One row per cause, its segments one per ending; the cause by its title from the vocabulary.
    assert dash.count("#chart-cases-cause li.hbar-row") == len(cases["by_cause"])
    assert dash.count("#chart-cases-cause rect.bar-concluded") == len(cases["by_cause"])
    vocabulary = seeded_app.api("/v1/admin/vocabulary")
    top = cases["by_cause"][0]
    assert vocabulary["causes"][top["cause"]]["en"] in dash.text("#chart-cases-cause li.hbar-row >> nth=0")
    # Per day: a column of each ending per day.
    for key in ENDINGS:
        assert dash.count(f"#chart-cases-days rect.bar-{key}") == len(days)
    # Each open ticket that carries a case shows it as text.
    assert dash.count("#tickets-list li.ticket .case") == sum(t["case"] is not None for t in tickets) > 0
    dash.screenshot("cases-en")
    assert dash.errors == [], dash.errors


def test_exports_download_with_the_token(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    dash = signed_in(open_dashboard, seeded_app)
    with dash.page.expect_download(timeout=UI_TIMEOUT_MS) as csv_download:
        dash.page.click("button[data-export='turns.csv']")
    header = Path(csv_download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert "outcome" in header and "channel" in header, header

    with dash.page.expect_download(timeout=UI_TIMEOUT_MS) as json_download:
        dash.page.click("button[data-export='turns.json']")
    turns = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert turns, "the JSON export of a seeded store is not empty"

    with dash.page.expect_download(timeout=UI_TIMEOUT_MS) as cases_download:
        dash.page.click("button[data-export='cases.csv']")
    header = Path(cases_download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("conversation_id,") and "cause" in header and "ending" in header, header

    with dash.page.expect_download(timeout=UI_TIMEOUT_MS) as summary_download:
        dash.page.click("button[data-export='summary.csv']")
    assert "deflection_rate" in Path(summary_download.value.path()).read_text(encoding="utf-8-sig")
    assert "Downloaded" in dash.text("#status")
    assert all(r["auth"] == f"Bearer {seeded_app.token}" for r in dash.admin_requests)


def test_filters_narrow_the_figures(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    dash = signed_in(open_dashboard, seeded_app)
    page = dash.page
    options = page.locator("#f-channel option").all()
    channel = next(o.get_attribute("value") for o in options if o.get_attribute("value"))
    page.select_option("#f-channel", channel)
    page.click("#filters button[type=submit]")
    page.wait_for_function(
        "sel => document.querySelectorAll(sel).length === 1", arg="#chart-channel g.bar-group", timeout=UI_TIMEOUT_MS
    )
    dash.wait_loaded()
    window = {"since": page.input_value("#f-since"), "until": page.input_value("#f-until"), "channel": channel}
    summary = seeded_app.api("/v1/admin/analytics/summary", **window)
    assert dash.text(".kpi-conversations .kpi-value") == f"{summary['conversations']:,}"
    assert any(f"channel={channel}" in r["url"] for r in dash.admin_requests)


def test_chinese_page(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    dash = signed_in(open_dashboard, seeded_app, locale="zh-CN")
    assert dash.page.evaluate("document.documentElement.lang") == "zh-CN"
    assert dash.text("h1") == "客服分流看板"
    assert dash.text("#panel-rates h2") == "各项比率趋势"
    assert "分流率" in dash.text("#chart-rates .legend")
    dash.screenshot("dashboard-zh")
    dash.page.click("[data-lang=en]")  # switching redraws without reloading
    assert dash.text("#panel-rates h2") == "Rates over time"


def test_narrow_screen(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    dash = signed_in(open_dashboard, seeded_app, width=420, height=900)
    scroll_width = dash.page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 420, "the page scrolls sideways on a phone"
    dash.screenshot("dashboard-narrow")


def test_review_actions(open_dashboard: OpenDashboard, seeded_app: SeededApp) -> None:
    suggestions = seeded_app.api("/v1/admin/suggestions")
    tickets = seeded_app.api("/v1/admin/tickets", status="open")
    dash = signed_in(open_dashboard, seeded_app)
    page = dash.page
    listed = lambda data, key: data if isinstance(data, list) else data[key]  # noqa: E731
    if listed(tickets, "tickets"):
        first = listed(tickets, "tickets")[0]["id"]
        page.click(f"#tickets-list li[data-id='{first}'] button.close-ticket")
        page.wait_for_selector(f"#tickets-list li[data-id='{first}'] .done", timeout=UI_TIMEOUT_MS)
        open_ids = [t["id"] for t in listed(seeded_app.api("/v1/admin/tickets", status="open"), "tickets")]
        assert first not in open_ids
    pending = [s for s in listed(suggestions, "suggestions") if s.get("status", "pending") == "pending"]
    if pending:
        first = pending[0]["id"]
        page.click(f"#suggestions-list li[data-id='{first}'] button.reject")
        page.wait_for_selector(f"#suggestions-list li[data-id='{first}'] .done-reject", timeout=UI_TIMEOUT_MS)
    assert listed(tickets, "tickets") or pending, "the demo seed should give something to review"
    assert dash.errors == [], dash.errors


# ---- the contract, with data chosen to be awkward --------------------------------------------


def test_user_text_is_shown_as_text_never_run(open_dashboard: OpenDashboard, contract_url: str) -> None:
    dash = open_dashboard(contract_url)
    dash.sign_in(TOKEN)
    dash.wait_loaded()
    page = dash.page
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
    assert HOSTILE in dash.text("#unanswered-list")
    assert HOSTILE in dash.text("#chart-top-faq")
    assert HOSTILE in dash.text("#tickets-list")
    assert HOSTILE in dash.text("#suggestions-list")
    assert HOSTILE in dash.text("#tickets-list li[data-id='t2'] .case")  # the address the user gave, as text
    # The page is served with a policy that would block inline script anyway.
    csp = page.evaluate("fetch('/admin').then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in csp
    assert dash.errors == [], dash.errors


def test_a_day_without_data_breaks_the_lines(open_dashboard: OpenDashboard, contract_url: str) -> None:
    dash = open_dashboard(contract_url)
    dash.sign_in(TOKEN)
    dash.wait_loaded()
    days = TIMESERIES["days"]
    known = sum(d["deflection_rate"] is not None for d in days)
    assert known == len(days) - 1
    assert dash.count("#chart-rates circle.point-deflection_rate") == known
    path = dash.page.get_attribute("#chart-rates path.line-deflection_rate", "d") or ""
    assert path.count("M") == 2  # two segments: before and after the empty day
    assert dash.count("#chart-volume rect.bar-conversations") == len(days)
    dash.screenshot("contract-en")


def test_add_to_faq_copies_a_markdown_stub(open_dashboard: OpenDashboard, contract_url: str) -> None:
    dash = open_dashboard(contract_url)
    dash.sign_in(TOKEN)
    dash.wait_loaded()
    group = UNANSWERED["groups"][0]
    dash.page.click(f"#unanswered-list li[data-id='{group['id']}'] button.add-to-faq")
    dash.page.wait_for_selector(f"#unanswered-list li[data-id='{group['id']}'] textarea.stub", timeout=UI_TIMEOUT_MS)
    copied = dash.page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"### {group['suggested_question']}\n")
    assert dash.page.input_value(f"#unanswered-list li[data-id='{group['id']}'] textarea.stub") == copied


def test_a_server_without_an_admin_token_says_so(open_dashboard: OpenDashboard, unconfigured_url: str) -> None:
    dash = open_dashboard(unconfigured_url)
    dash.sign_in("anything")
    dash.page.wait_for_selector("#status[data-kind=error]", timeout=UI_TIMEOUT_MS)
    assert "HELPDESK_ADMIN_TOKEN" in dash.text("#status")
    assert dash.page.locator("#content").is_hidden()


def test_a_ticket_shows_its_case_as_text(open_dashboard: OpenDashboard, contract_url: str) -> None:
    dash = open_dashboard(contract_url)
    dash.sign_in(TOKEN)
    dash.wait_loaded()
    case = "#tickets-list li[data-id='t2'] .case"
    assert dash.count("#tickets-list li[data-id='t1'] .case") == 0  # a hand-off without a case shows none
    assert (
        dash.text(f"{case} .case-cause") == "Conclusion: The instance's firewall drops the traffic (os_firewall_drop)"
    )
    assert dash.text(f"{case} .case-target") == f"Target: SSH · TCP 22 · inbound · from the user's computer ({HOSTILE})"
    evidence = "Evidence read: security groups (JSON), the instance's firewall (iptables -S)"
    assert dash.text(f"{case} .case-evidence") == evidence
    assert dash.text(f"{case} .case-said") == "User said: timeout, rule_added"
    checks = dash.page.locator(f"{case} li.case-check").all_inner_texts()
    assert checks == [
        "✓ Does the carrier block TCP 22? — passed",
        "? Do the security group's inbound rules allow TCP 22? — can't tell",
        "✗ Does the instance's own firewall allow TCP 22? — failed",
        "1 more to do",
    ]
    assert dash.page.evaluate("window.__pwned") is None and dash.page.locator("main img").count() == 0
    dash.page.click("[data-lang=zh]")  # the same case in Chinese
    assert dash.text(f"{case} .case-cause") == "结论: 实例内的防火墙拦截了该流量 (os_firewall_drop)"
    assert "✗ 实例内的防火墙是否放通 TCP 22 — 未通过" in dash.text(case)
    dash.screenshot("ticket-case-zh")
    assert dash.errors == [], dash.errors


def test_cases_by_cause_and_day_from_the_contract(open_dashboard: OpenDashboard, contract_url: str) -> None:
    dash = open_dashboard(contract_url)
    dash.sign_in(TOKEN)
    dash.wait_loaded()
    assert dash.text("#cases-kpis .kpi-cases .kpi-value") == f"{CASES['cases']:,}"
    share = CASES["concluded"] / CASES["cases"] * 100
    assert dash.text("#cases-kpis .kpi-concluded .kpi-share") == f"{share:.1f}%"
    assert "30 minutes" in dash.text("#cases-hint")
    labels = dash.page.locator("#chart-cases-cause .hbar-label").all_inner_texts()
    assert labels == [
        "No security-group rule allows the traffic (sg_no_matching_allow)",
        "The instance's firewall drops the traffic (os_firewall_drop)",
        "sg_drop_rule",  # not in the vocabulary the page got: its id
        "Every check made; no cause found (unknown)",
        "Undecided (the bot was still checking)",
    ]
    assert dash.count("#chart-cases-cause rect.bar-abandoned") == len(BY_CAUSE)
    values = dash.page.locator("#chart-cases-days rect.bar-concluded").evaluate_all(
        "rects => rects.map(r => Number(r.dataset.value))"
    )
    assert values == [d["concluded"] for d in CASE_DAYS["days"]]
    with dash.page.expect_download(timeout=UI_TIMEOUT_MS) as download:
        dash.page.click("button[data-export='cases-by-cause.csv']")
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith("cause,cases,")
    assert all("/v1/admin/" not in r["url"] or r["auth"] == f"Bearer {TOKEN}" for r in dash.admin_requests)
    dash.screenshot("cases-contract-en")
    assert dash.errors == [], dash.errors
