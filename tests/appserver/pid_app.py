"""A WSGI app that answers with the pid of the gunicorn worker that served the request.

``/slow?seconds=N`` sleeps first, to keep a request in flight. Served by the
repo's ``gunicorn.conf.py`` in ``tests/appserver``: these tests are about the
server's process handling, so the app is as small as an app can be.
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["1"])[0])
        time.sleep(seconds)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
