"""The garbage collector paused while a request is answered.

A list page or API list builds tens of thousands of objects (model instances, serializer
fields, template nodes) that all live until the answer is written. Python's cyclic collector
runs every 700 new objects and walks every young object still alive each time: for a 50-case
API list, sweeps that free nothing took about a third of the request's CPU (issue 14's
profile: 151 ms of CPU per request, 56 ms of it in the collector). Reference counting still
frees everything that is not in a cycle at once; the few cycles a request makes (a prefetched
child pointing back at its parent) wait until the answer is made, then go in the collector's
next sweep, which costs little because almost nothing is left alive by then.

The collector runs again when the answer is closed (by the server, once it has written it:
WSGI's ``close()``), not when the view returns: until then the answer still holds its
serializer, its instances and its request, and a sweep started by the first allocations after
the view would walk all of them.

Streaming answers (the CSV export) are written after the view returns, so their rows are made
with the collector running: memory stays flat however long the stream.
"""

from __future__ import annotations

import contextlib
import gc
import threading

_lock = threading.Lock()
_answering = 0
_was_enabled = True


def pause() -> None:
    """One more request being answered: the collector is off until every one has finished."""
    global _answering, _was_enabled
    with _lock:
        if _answering == 0:
            _was_enabled = gc.isenabled()
        _answering += 1
        gc.disable()


def resume() -> None:
    """A request answered: once no other request is being answered (threaded servers answer
    several at once; gunicorn's sync workers one), the collector is as it was before them."""
    global _answering
    with _lock:
        _answering -= 1
        if _answering == 0 and _was_enabled:
            gc.enable()


@contextlib.contextmanager
def paused():
    """The collector paused for one bounded piece of background work whose objects all live
    until it ends (an import's chunk of rows: ``imports.services``), as for a request."""
    pause()
    try:
        yield
    finally:
        resume()


class CollectorPauseMiddleware:
    """First in ``MIDDLEWARE``: the whole answer, every other middleware included, is made
    with the collector paused; it runs again when the answer is closed, or before a streaming
    answer's content is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pause()
        try:
            response = self.get_response(request)
        except BaseException:
            resume()
            raise
        if response.streaming:
            resume()
        else:
            _resume_on_close(response)
        return response


def _resume_on_close(response) -> None:
    """``response.close()`` (called once the server has written it) resumes the collector,
    once however often it is called."""
    close = response.close
    resumed = False

    def close_and_resume():
        nonlocal resumed
        try:
            close()
        finally:
            if not resumed:
                resumed = True
                resume()

    response.close = close_and_resume
