"""Background work of imports, through Django's tasks API (django-tasks): whichever backend
``settings.TASKS`` names (the database queue by default) runs it."""

from __future__ import annotations

from django_tasks import task

from imports.services import batch_decide_run, batch_submit_run, import_run


@task()
def import_run_task(job_id: str) -> dict:
    """Run an import; its progress is on the job, its result says how it ended."""
    job = import_run(job_id=job_id)
    return {"job": str(job.pk), "status": job.status, "rows_done": job.rows_done}


@task()
def batch_submit_task(progress_id: str) -> dict:
    """Send a large batch to review, a chunk per transaction; its progress is on the row."""
    return batch_submit_run(progress_id=progress_id)


@task()
def batch_decide_task(progress_id: str) -> dict:
    """Verify or return a large batch: every record checked, then decided a chunk per
    transaction; its progress is on the row."""
    return batch_decide_run(progress_id=progress_id)
