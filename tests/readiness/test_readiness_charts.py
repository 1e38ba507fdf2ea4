"""The readiness view charts the checks that failed and the share of the roster ready at the
end of each day, as SVG with every value printed and described."""

from __future__ import annotations

from tests.readiness.conftest import ready_pc, report_body


def test_the_readiness_view_charts_failed_checks_and_the_share_ready(
    client, make_exam, make_candidate, make_staff, sign_in_staff, upload, now
):
    exam = make_exam("MOCK-D1", kind="mock")
    ready = make_candidate(sessions=[exam])
    failing = make_candidate(sessions=[exam])
    make_candidate(sessions=[exam])
    upload(ready)
    upload(failing, report_body(ready_pc(displays={"count": 3})))
    sign_in_staff(make_staff("agent"))

    page = client.get("/staff/readiness/MOCK-D1").text

    charts = page.split('id="readiness-charts"')[1].split("</section>")[0]
    assert charts.count('<svg class="chart"') == 2
    assert "每天结束时已就绪考生的比例（百分比）" in charts
    assert "01-04 33.3%</desc>" in charts  # one of three, on the day of the report
    assert "最近一次电脑检测未通过的考生数" in charts
