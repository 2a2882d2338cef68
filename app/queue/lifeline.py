"""A worker's children die with it, however it dies.

``flask queue work`` (and ``rq worker --with-scheduler``) forks RQ's
scheduler, which holds ``rq:scheduler-lock:<queue>`` while it lives. A worker
stopped with SIGTERM stops it; a worker killed with SIGKILL (``kill -9``, the
OOM killer) cannot, and the orphan used to keep running and keep the lock, so
no later worker's scheduler could start.

Here the scheduler asks Linux to send it SIGTERM when the worker dies
(``prctl(PR_SET_PDEATHSIG)``, set in the child right after the fork). SIGTERM
is the scheduler's own "stop": it finishes its one-second round, releases its
locks and exits, so a new worker's scheduler gets the lock as soon as it starts,
or at a running worker's next sweep (``DF_QUEUE_MAINTENANCE_INTERVAL``). A
scheduler that is itself killed leaves its lock to expire (``LOCK_TTL``).

``AppWorker`` runs jobs in its own process, so it has no other child of RQ's;
the script engines' workers notice on their own that the app is gone.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
from multiprocessing import get_context

from rq.scheduler import RQScheduler
from rq.scheduler import run as run_scheduler

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent thread exits."""

LOCK_TTL = 61
"""Seconds a scheduler lock outlives the last round of a scheduler that was killed
(RQ refreshes it every round, each ``interval`` = 1 s, for ``interval + 60``)."""


def die_with_parent(parent_pid: int, sig: int = signal.SIGTERM) -> bool:
    """Have ``sig`` sent to this process when its parent dies; False if the parent is gone.

    Called in a child right after ``fork``. The parent may have died before
    the request was made (the kernel would then never send the signal), hence
    the check of ``getppid`` after it. Outside Linux it does nothing.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    except (OSError, AttributeError) as exc:
        logger.warning("a child of pid %s may outlive it: %s", parent_pid, exc)
    return os.getppid() == parent_pid


class LinkedScheduler(RQScheduler):
    """RQ's scheduler, in a child process that stops when its worker dies."""

    def start(self):
        self._status = self.Status.STARTED
        self._connection = None  # a Redis client is not shared across a fork
        self._process = get_context("fork").Process(
            target=_run_linked, args=(self, os.getpid()), name="Scheduler"
        )
        self._process.start()
        return self._process


def _run_linked(scheduler: RQScheduler, worker_pid: int) -> None:
    if not die_with_parent(worker_pid):
        scheduler.request_stop()  # release the locks the worker took for us, and go
    run_scheduler(scheduler)
