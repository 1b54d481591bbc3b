"""Tasks for the tests of monitor.progress: real django-tasks tasks, run by real workers."""

from __future__ import annotations

from django_tasks import task

from monitor.models import TaskProgress
from monitor.progress import Tracker


@task()
def count_to(progress_id: str, total: int, *, fail_at: int = 0, stop_after: int = 0) -> int:
    """Count ``total`` steps; one step in three is an error. ``fail_at`` raises at that step;
    ``stop_after`` has the owner ask to stop after that many steps (as their click would)."""
    with Tracker(progress_id) as tracker:
        tracker.begin(total)
        for step in range(1, total + 1):
            tracker.check_stop()
            if step == fail_at:
                raise RuntimeError("a secret value that must not reach the page")
            if step % 3 == 0:
                tracker.error(f"step {step} went wrong")
            tracker.advance()
            if step == stop_after:
                TaskProgress.objects.filter(pk=progress_id).update(cancel_requested=True)
        tracker.finish(result={"counted": total})
    return total
