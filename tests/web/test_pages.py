"""The pages over a real database: sign-in, my work, search, the child page, a task, a review, the dashboard."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reachable.access.models import AuditEvent
from reachable.tasks.models import Task
from tests.web.conftest import csrf
from tests.web.world import WebWorld


def test_pages_need_sign_in(client: TestClient, world: WebWorld) -> None:
    assert client.get("/").headers["location"] == "/sign-in"
    assert client.get(f"/children/{world.child_ref}").status_code == 303


def test_wrong_code_is_refused_with_one_message(client: TestClient, world: WebWorld) -> None:
    response = client.post("/sign-in", data={"username": world.username, "password": "wrong-password-123",
                                             "code": "000000", "csrf_token": csrf(client)})
    assert response.status_code == 401
    assert "username, password or security code is not right" in response.text


def test_form_without_csrf_token_is_refused(client: TestClient, world: WebWorld) -> None:
    response = client.post("/sign-in", data={"username": world.username, "password": "x", "code": "1"})
    assert response.status_code == 403
    assert "form has expired" in response.text


def test_my_work_lists_the_overdue_task(signed_in: TestClient, world: WebWorld) -> None:
    response = signed_in.get("/")
    assert response.status_code == 200
    assert "Offer a return home interview" in response.text
    assert "Overdue" in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_search_is_fuzzy_and_sent_by_post(signed_in: TestClient, world: WebWorld) -> None:
    token = csrf(signed_in, "/children/search")
    response = signed_in.post("/children/search", data={"first_name": "Jaiden", "last_name": "Smith",
                                                       "csrf_token": token})
    assert response.status_code == 200
    assert f"/children/{world.child_ref}" in response.text and "first name is a nickname" in response.text
    assert "Jaiden" not in str(response.url)


def test_child_page_shows_everything_and_is_audited(signed_in: TestClient, world: WebWorld,
                                                    sessions: sessionmaker[Session]) -> None:
    response = signed_in.get(f"/children/{world.child_ref}")
    assert response.status_code == 200
    text = response.text
    for expected in ("moj-timeline", "Reported missing", "At risk of criminal exploitation", "rch-chart",
                     "Offer a return home interview", "Shrewsbury railway station", "30 events"):
        assert expected in text, expected
    filtered = signed_in.get(f"/children/{world.child_ref}", params={"kind": "arrest"})
    assert "4 events" in filtered.text
    with sessions() as session:
        views = session.scalars(select(AuditEvent).where(AuditEvent.child_id == world.child_id,
                                                         AuditEvent.action == "view")).all()
    assert len(views) >= 2 and all(view.justification for view in views)


def test_unknown_child_gets_a_404_page(signed_in: TestClient) -> None:
    response = signed_in.get("/children/RCH-NOTHERE")
    assert response.status_code == 404 and "Page not found" in response.text


def test_completing_a_task_prompts_on_victim_blaming_wording(signed_in: TestClient, world: WebWorld,
                                                            sessions: sessionmaker[Session]) -> None:
    token = csrf(signed_in, f"/tasks/{world.task_id}")
    data = {"outcome": "done", "reason": "He is putting himself at risk; RHI offered", "csrf_token": token}
    first = signed_in.post(f"/tasks/{world.task_id}/complete", data=data)
    assert first.status_code == 200 and "Check your wording" in first.text
    with sessions() as session:
        assert session.get(Task, world.task_id).status == "open"  # type: ignore[union-attr]
    second = signed_in.post(f"/tasks/{world.task_id}/complete", data={**data, "language_reviewed": "1"})
    assert second.status_code == 303
    with sessions() as session:
        task = session.get(Task, world.task_id)
        assert task is not None and task.status == "done" and task.closed_by == "user:sam.worker"


def test_review_decision_links_the_records(signed_in: TestClient, world: WebWorld) -> None:
    queue = signed_in.get("/reviews/identity")
    assert "Jayden Smith and Jaden Smyth" in queue.text and "1 pairs of records" in queue.text
    page = signed_in.get(f"/reviews/identity/{world.review_id}")
    assert page.status_code == 200 and "Jaden" in page.text and "rch-diff" in page.text
    assert "Record B (" in page.text and "Record B ()" not in page.text  # the agency is named
    token = csrf(signed_in, "/reviews/identity")
    response = signed_in.post(f"/reviews/identity/{world.review_id}",
                              data={"decision": "match", "reason": "same school and address", "csrf_token": token})
    assert response.status_code == 303
    # The identity service applied it: the other record's child was merged into this one, with the reason.
    child = signed_in.get(f"/children/{world.child_ref}")
    assert "Linked by hand" in child.text and "same school and address" in child.text
    again = signed_in.post(f"/reviews/identity/{world.review_id}",
                           data={"decision": "no_match", "reason": "changed my mind", "csrf_token": token})
    assert again.status_code == 400 and "already decided" in again.text


def test_dashboard_is_refused_without_the_statistics_permission(signed_in: TestClient, world: WebWorld) -> None:
    refused = signed_in.get("/dashboard")
    assert refused.status_code == 403 and "social_worker role may not stats.view" in refused.text
    assert signed_in.get("/dashboard/counting-lives.csv").status_code == 403


def test_other_pages_render(signed_in: TestClient, world: WebWorld) -> None:
    for path in ("/network", "/mace", "/rules", "/help/language", "/reviews/identity",
                 f"/children/{world.child_ref}/network.json"):
        assert signed_in.get(path).status_code == 200, path


def test_sign_out_ends_the_session(signed_in: TestClient) -> None:
    token = csrf(signed_in, "/")
    assert signed_in.post("/sign-out", data={"csrf_token": token}).status_code == 303
    assert signed_in.get("/").status_code == 303
