"""The garbage collector is paused while an answer is made, and runs again after it."""

import gc
import threading
import weakref

import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from monitor import collector
from monitor.collector import CollectorPauseMiddleware

# Closing an answer sends ``request_finished``, whose receivers touch the database connection.
pytestmark = pytest.mark.django_db


def test_outermost_middleware():
    assert settings.MIDDLEWARE[0] == "monitor.collector.CollectorPauseMiddleware"


def test_paused_while_the_view_runs_and_running_after():
    seen = []

    def view(request):
        seen.append(gc.isenabled())
        return HttpResponse("ok")

    assert gc.isenabled()
    response = CollectorPauseMiddleware(view)(RequestFactory().get("/"))
    assert seen == [False]
    assert not gc.isenabled()  # the answer, still held, is not swept before it is written
    response.close()
    assert gc.isenabled()
    response.close()  # (a second close resumes nothing more)
    assert collector._answering == 0


def test_through_the_whole_stack(client):
    """The test client, like a WSGI server, closes the answer: the collector runs after."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert gc.isenabled()
    assert collector._answering == 0


def test_runs_again_after_a_view_that_fails():
    def view(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        CollectorPauseMiddleware(view)(RequestFactory().get("/"))
    assert gc.isenabled()


def test_a_stream_is_written_with_the_collector_running():
    seen = []

    def rows():
        for _ in range(3):
            seen.append(gc.isenabled())
            yield "row\n"

    def view(request):
        return StreamingHttpResponse(rows())

    response = CollectorPauseMiddleware(view)(RequestFactory().get("/"))
    assert b"".join(response.streaming_content) == b"row\nrow\nrow\n"
    assert seen == [True, True, True]


def test_cycles_made_by_a_request_are_collected_after_it():
    class Node:
        pass

    made = []

    def view(request):
        node = Node()
        node.self = node  # a cycle: reference counting alone never frees it
        made.append(weakref.ref(node))
        return HttpResponse("ok")

    CollectorPauseMiddleware(view)(RequestFactory().get("/")).close()
    gc.collect()  # (a sweep the next allocations would start anyway)
    assert made[0]() is None


def test_concurrent_requests_resume_when_the_last_one_ends():
    first_inside, release = threading.Event(), threading.Event()
    states = {}

    def slow(request):
        first_inside.set()
        release.wait(5)
        return HttpResponse("slow")

    def quick(request):
        return HttpResponse("quick")

    thread = threading.Thread(
        target=lambda: CollectorPauseMiddleware(slow)(RequestFactory().get("/slow")).close()
    )
    thread.start()
    assert first_inside.wait(5)
    CollectorPauseMiddleware(quick)(RequestFactory().get("/quick")).close()
    states["after the quick one"] = gc.isenabled()
    release.set()
    thread.join(5)
    states["after both"] = gc.isenabled()
    assert states == {"after the quick one": False, "after both": True}


def test_left_off_if_it_was_off_before():
    def view(request):
        return HttpResponse("ok")

    gc.disable()
    try:
        CollectorPauseMiddleware(view)(RequestFactory().get("/")).close()
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert collector._answering == 0


def test_paused_for_a_piece_of_background_work():
    seen = []
    with collector.paused():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("a chunk that fails")
    assert gc.isenabled() and collector._answering == 0
