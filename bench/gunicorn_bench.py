"""Gunicorn settings shared by both apps of the benchmark (the same for each, by design).

``BENCH_BIND`` is the address; ``BENCH_WORKERS``/``BENCH_THREADS`` the worker
processes and threads (``gthread``, as in production). No access log: both
apps skip the same per-request write.
"""

import os

bind = os.environ["BENCH_BIND"]
workers = int(os.environ.get("BENCH_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("BENCH_THREADS", "4"))
keepalive = 5
timeout = 60
accesslog = None
errorlog = "-"
loglevel = "warning"
preload_app = False
control_socket_disable = True
