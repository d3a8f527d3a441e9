"""Thin Celery wrappers of portal.jobs."""

from celery import shared_task

from .progress import progress_sweep_stale


@shared_task(name="portal.jobs.tasks.sweep_stale_progress", ignore_result=True)
def sweep_stale_progress() -> int:
    """Long work whose worker died is marked Failed (U-3), so nobody waits on it for hours."""
    return progress_sweep_stale()
