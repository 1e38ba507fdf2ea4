"""Server-side SVG charts: no script and no style attribute (the CSP forbids both), every
value printed and described in text, series told apart by dash and marker, not colour."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from helpdesk import charts


def _svg(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))  # noqa: S314 - our own output


def test_bars_print_every_value_and_describe_them_in_text():
    svg = charts.bars("每小时工单数", ["09", "10", "11"], [3, 0, 12])

    root = _svg(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "3" in texts
    assert "12" in texts
    assert root.attrib["role"] == "img"
    assert "09 3; 10 0; 11 12" in str(svg)


def test_lines_differ_by_dash_and_marker_and_leave_gaps_for_missing_values():
    svg = str(
        charts.lines(
            "等待", ["08", "09", "10"], [("等待人数", [1, 4, 2]), ("用时", [None, 30, 45])]
        )
    )

    assert 'stroke-dasharray="6 3"' in svg
    assert "<rect" in svg  # the second series' square markers
    assert "<circle" in svg  # the first series' round markers
    assert "用时: 09 30; 10 45" in svg


def test_charts_hold_no_script_no_style_and_escape_their_words():
    svg = str(charts.hbars("<b>检查</b>", [("内存 <4 GB", 5), ("杀毒软件", 2)]))

    assert "<script" not in svg
    assert not re.search(r"\sstyle=", svg)
    assert "&lt;b&gt;" in svg
    assert "内存 &lt;4 GB" in svg


def test_the_ticket_reports_chart_tickets_per_hour_by_category(
    client, owner, open_ticket, make_staff, sign_in_staff
):
    open_ticket(owner, category="login")
    open_ticket(owner, category="login")
    open_ticket(owner, category="install")
    sign_in_staff(make_staff("supervisor"))

    page = client.get("/staff/ticket-reports").text

    assert page.count('<svg class="chart"') == 2
    assert "无法登录：每小时工单数" in page
    assert "12 2" in page  # noon, Beijing time: two login tickets
