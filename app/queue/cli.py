"""``flask queue ...`` (workers and failed jobs) and ``flask scheduler ...`` commands.

They mirror DreamFactory's artisan commands on RQ:

- ``flask queue work [CONNECTION] [--queue high,low] [--burst]``: process jobs,
  queues in priority order; ``--burst`` stops when they are empty;
- ``flask queue listen [CONNECTION] [--queue ...] [--timeout S] [--sleep S]
  [--tries N]``: the long-running form, with defaults for jobs whose script
  sets no ``timeout``/``tries``;
- ``flask queue failed``: id, connection, queue, failure time and error of each
  failed job; ``flask queue retry ID|all``, ``flask queue forget ID``,
  ``flask queue flush``;
- ``flask scheduler run [--once]``: start due scheduled tasks every minute
  (``--once``: this minute only); ``flask scheduler list``: tasks and next runs.

Workers run RQ's scheduler too (jobs with a ``delay``); stop them with SIGTERM
(the running job finishes) — systemd does (``systemd/dreamfactory-py-worker.service``).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from typing import Any

import click
import redis
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.enqueue import connections
from app.enqueue.options import QUEUE_NAME, parse
from app.extensions import db
from app.models.scheduler import SchedulerTask
from app.queue import failed, scheduler
from app.queue.worker import AppWorker

queue_cli = AppGroup("queue", help="Run queue workers and manage failed jobs (RQ on Redis).")
scheduler_cli = AppGroup(
    "scheduler", help="Run scheduled tasks (DF_SCHEDULE_FILE, system/scheduler)."
)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _setup_logging() -> str:
    level = str(current_app.config.get("LOG_LEVEL") or "info").upper()
    logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.getLogger("app").setLevel(level)
    return level


def _queue_names(value: str | None) -> list[str]:
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    names = names or [str(current_app.config.get("QUEUE_DEFAULT") or "default")]
    for name in names:
        if not QUEUE_NAME.match(name):
            raise click.BadParameter(f"'{name}' is not a queue name", param_hint="--queue")
    return names


def _worker_client(connection: str | None):
    registry = connections.get_connections()
    if not registry.available:
        raise click.ClickException(connections.NO_REDIS)
    name = connection or connections.DEFAULT
    url = registry.urls.get(name)
    if url is None:
        raise click.ClickException(
            f"No queue connection '{name}' (configured: {', '.join(registry.names())})."
        )
    client = connections.make_client(url)
    try:
        _ping(client, name)
    except click.ClickException:
        client.close()
        raise
    return client


def _ping(client, name: str) -> None:
    """A clear message (wrong password, Redis down) instead of a traceback from deep in RQ."""
    try:
        client.ping()
    except redis.RedisError as exc:
        raise click.ClickException(connections.problem(name, exc)) from None


def _work(
    connection: str | None,
    queue: str | None,
    burst: bool,
    max_jobs: int | None = None,
    sleep: int | None = None,
    tries: int | None = None,
    timeout: int | None = None,
) -> None:
    level = _setup_logging()
    config = current_app.config
    names = _queue_names(queue)
    client = _worker_client(connection)
    backoff = parse({"tries": tries}, config).backoff if tries and tries > 1 else ()
    worker = AppWorker(
        names,
        connection=client,
        app=current_app._get_current_object(),  # type: ignore[attr-defined]
        maintenance_interval=int(config.get("QUEUE_MAINTENANCE_INTERVAL", 60)),
        worker_ttl=sleep + 15 if sleep else None,
        default_tries=tries,
        default_timeout=timeout,
        default_backoff=backoff,
    )
    try:
        worker.work(burst=burst, with_scheduler=True, logging_level=level, max_jobs=max_jobs)
    finally:
        client.close()


@queue_cli.command("work")
@click.argument("connection", required=False)
@click.option("--queue", "-q", help="Queues to take jobs from, in priority order (high,low).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--max-jobs", type=click.IntRange(min=1), help="Stop after this many jobs.")
def work_command(connection, queue, burst, max_jobs) -> None:
    """Process jobs from the queues (CONNECTION: a DF_QUEUE_CONNECTIONS name)."""
    _work(connection, queue, burst, max_jobs=max_jobs)


@queue_cli.command("listen")
@click.argument("connection", required=False)
@click.option("--queue", "-q", help="Queues to take jobs from, in priority order (high,low).")
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    help="Seconds a job may run, for jobs whose script sets no timeout.",
)
@click.option(
    "--sleep",
    type=click.IntRange(min=1),
    help="Seconds an idle worker waits for a job before its housekeeping, at most "
    "DF_QUEUE_MAINTENANCE_INTERVAL (jobs are taken the moment they arrive).",
)
@click.option(
    "--tries",
    type=click.IntRange(min=1),
    help="Attempts before a job fails, for jobs whose script sets no tries.",
)
def listen_command(connection, queue, timeout, sleep, tries) -> None:
    """Process jobs until stopped (the long-running form of work)."""
    _work(connection, queue, False, sleep=sleep, tries=tries, timeout=timeout)


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _require_redis() -> None:
    """Redis configured, and every connection answering (once per Redis)."""
    registry = connections.get_connections()
    if not registry.available:
        raise click.ClickException(connections.NO_REDIS)
    seen: set[str] = set()
    for name in registry.names():
        if registry.urls[name] not in seen:
            seen.add(registry.urls[name])
            _ping(registry.get(name), name)


@queue_cli.command("failed")
def failed_command() -> None:
    """List failed jobs: id, connection, queue, failed at (UTC), error."""
    _require_redis()
    jobs = failed.list_failed()
    if not jobs:
        click.echo("No failed jobs.")
        return
    rows = [("ID", "Connection", "Queue", "Failed At", "Error")]
    rows += [(j.id, j.connection, j.queue, _when(j.failed_at), j.error) for j in jobs]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        )


@queue_cli.command("retry")
@click.argument("job_id")
def retry_command(job_id: str) -> None:
    """Put a failed job (or all of them: ID "all") back on its queue."""
    _require_redis()
    if job_id == "all":
        click.echo(f"Retried {failed.retry_all()} failed job(s).")
        return
    if not failed.retry(job_id):
        raise click.ClickException(f"No failed job with id {job_id}.")
    click.echo(f"Job {job_id} is queued again.")


@queue_cli.command("forget")
@click.argument("job_id")
def forget_command(job_id: str) -> None:
    """Delete a failed job."""
    _require_redis()
    if not failed.forget(job_id):
        raise click.ClickException(f"No failed job with id {job_id}.")
    click.echo(f"Failed job {job_id} deleted.")


@queue_cli.command("flush")
def flush_command() -> None:
    """Delete every failed job."""
    _require_redis()
    click.echo(f"Deleted {failed.flush()} failed job(s).")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Start the tasks due this minute, then stop.")
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    help="With --once: the minute to run (UTC), instead of now.",
)
def run_command(once: bool, at: dt.datetime | None) -> None:
    """Start the due scheduled tasks every minute (enqueued; run here without Redis)."""
    _setup_logging()
    inline = not connections.get_connections().available
    if inline:
        click.echo("No Redis (DF_REDIS_URL): due tasks run here, one after another.", err=True)
    if at is not None and not once:
        raise click.BadParameter("--at goes with --once", param_hint="--at")
    if once:
        if not inline:
            _require_redis()
        moment = at.replace(tzinfo=dt.UTC).timestamp() if at else time.time()
        try:
            claimed = scheduler.run_tick(scheduler.minute_of(moment))
        finally:
            db.session.remove()
        for item in claimed:
            job = f" job={item.job_id}" if item.job_id else ""
            click.echo(f"{item.task}: {item.state}{job}")
        return
    stop = {"requested": False}

    def request_stop(signum: int, frame: Any) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    logging.getLogger(__name__).info("scheduler state=started inline=%s", inline)
    scheduler.run_forever(lambda: stop["requested"])


@scheduler_cli.command("list")
def list_command() -> None:
    """Show the tasks (after reading the schedule file) and when each runs next."""
    for problem in scheduler.sync_file():
        click.echo(f"schedule file: {problem}", err=True)
    tz = scheduler.timezone()
    rows = db.session.scalars(sa.select(SchedulerTask).order_by(SchedulerTask.id)).all()
    if not rows:
        click.echo("No scheduled tasks.")
    for row in rows:
        upcoming = scheduler.task_next_run(row, int(time.time()), tz) if row.is_active else None
        what = (
            f"SCRIPT {row.script_type}"
            if row.script_type
            else f"{row.verb} {row.service}/{row.component}"
        )
        when = upcoming.isoformat(timespec="minutes") if upcoming else "inactive"
        every = row.cron or f"every {row.frequency} min"
        click.echo(f"{row.id}  {row.name}  [{every}]  {what.rstrip('/')}  next: {when}")
    db.session.remove()
