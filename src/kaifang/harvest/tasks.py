"""Background harvesting (Huey): a queued job runs in the worker, and every five minutes the
scheduler queues the sources whose interval has passed."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def harvest_job_task(job_id: str) -> None:
    """Run one queued job, unless it is gone or already started."""
    from kaifang.harvest.models import HarvestJob
    from kaifang.harvest.services import run_job

    job = HarvestJob.objects.filter(pk=job_id, status=HarvestJob.Status.QUEUED).first()
    if job is not None:
        run_job(job)


@db_periodic_task(crontab(minute="*/5"))
def start_due_harvests_task() -> None:
    from kaifang.core.audit import Actor
    from kaifang.harvest.services import start_due_sources

    start_due_sources(Actor.system("harvest-scheduler"))
