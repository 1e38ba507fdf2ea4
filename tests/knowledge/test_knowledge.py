"""The knowledge base: sanitised Markdown, search without sign-in, suggestions, "solved it"."""

from __future__ import annotations

import pytest

from helpdesk.knowledge import content, services
from helpdesk.knowledge.models import Article


@pytest.fixture
def seeded(db_session, now):
    content.seed(db_session, now)


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="#" onclick="steal()">x</a>', "onclick"),
        ("<iframe src=//evil></iframe>", "<iframe"),
    ],
)
def test_markdown_is_rendered_without_anything_executable(markdown, forbidden):
    assert forbidden not in services.render(markdown)


def test_markdown_keeps_its_formatting():
    html = services.render("**重试**\n\n- 一\n- 二")

    assert "<strong>重试</strong>" in html
    assert "<li>一</li>" in html


def test_anyone_can_search_the_articles_without_signing_in(client, seeded):
    found = client.get("/articles", query_string={"q": "杀毒"})
    nothing = client.get("/articles", query_string={"q": "天气预报"})

    assert found.status_code == 200
    assert "考前卸载或退出的软件" in found.text
    assert "没有找到相关文章" in nothing.text


def test_the_notice_guidance_is_seeded_once_however_often_seeding_runs(db_session, now):
    content.seed(db_session, now)
    content.seed(db_session, now)

    assert len(services.all_articles(db_session)) == len(content.ARTICLES)


def test_the_ticket_form_suggests_the_articles_of_the_chosen_category(
    client, seeded, make_exam, make_candidate, sign_in_candidate
):
    sign_in_candidate(make_candidate(sessions=[make_exam("MOCK-D1", kind="mock")]))

    page = client.get("/tickets/new?category=face_verification").text

    assert "人脸/身份验证不通过" in page
    assert "无法登录智考云怎么办" not in page


def test_this_solved_it_is_counted(client, db_session, seeded):
    client.post("/articles/login-tips/solved")
    client.post("/articles/login-tips/solved")

    db_session.expire_all()
    article = services.get_article(db_session, "login-tips")
    assert article.solved_count == 2


def test_a_supervisor_edits_an_article_and_the_html_is_cleaned(
    client, db_session, seeded, make_staff, sign_in_staff
):
    sign_in_staff(make_staff("supervisor"))

    response = client.post(
        "/staff/knowledge/login-tips/edit",
        data={
            "slug": "login-tips",
            "title": "登录提示",
            "category": "login",
            "published": "1",
            "body_markdown": "先**重启**<script>x()</script>",
        },
    )

    db_session.expire_all()
    article = db_session.query(Article).filter_by(slug="login-tips").one()
    assert response.status_code == 302
    assert "<strong>重启</strong>" in article.body_html
    assert "<script" not in article.body_html


def test_an_unpublished_article_is_hidden_from_candidates(client, db_session, now):
    services.save_article(
        db_session,
        slug="draft",
        title="草稿",
        body_markdown="x",
        category=None,
        now=now,
        published=False,
    )

    assert client.get("/articles/draft").status_code == 404
