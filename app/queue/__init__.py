"""Running the job queue's work: workers, the scheduler and their commands (entry points).

- ``jobs``: what workers run, in an app built once per worker process;
- ``guard``: the jobs a worker accepts (this app's functions, signed by it);
- ``worker``: ``AppWorker``, RQ's in-process worker for this app (``lifeline``:
  its scheduler child dies with it);
- ``failed``: listing, retrying and deleting failed jobs;
- ``schedule_file``, ``scheduler``, ``tasks``: cron tasks from ``DF_SCHEDULE_FILE``
  and ``system/scheduler``, claimed once per minute and run with a role;
- ``cli``: ``flask queue ...`` and ``flask scheduler run``.

Putting jobs on the queue is the web servers' side, lower down: ``app.enqueue``.
Without Redis, ``flask scheduler run`` runs due tasks itself.
"""
