"""The bare-INSERT endpoint the benches measure the desk against: it parses the JSON body
and stores it with one INSERT, nothing more."""

from __future__ import annotations

from sqlalchemy import event, func, select

from bench.harness import bare, database


def test_a_post_stores_its_body_with_one_statement(tmp_path):
    url = f"sqlite:///{tmp_path}/bare.db"
    bare.create_table(url)
    engine = database.engine(url)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    client = bare.make_app(engine).test_client()

    answer = client.post("/bare", json={"exam_session": "FORMAL", "category": "login"})

    assert answer.status_code == 201
    assert [s.split()[0] for s in seen] == ["INSERT"]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(bare.presses)) == 1
    engine.dispose()
