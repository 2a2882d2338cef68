"""Configuration classes; environment variables prefixed ``DF_`` override them.

``create_app`` reads ``Config`` first, then every ``DF_*`` variable (through
``Flask.config.from_prefixed_env``, so ``DF_JWT_TTL=60`` sets ``JWT_TTL`` to the
integer 60), then a mapping passed by tests. Nothing here is read at import.
"""

from __future__ import annotations

import os


class Config:
    """Defaults for a single-machine install on the embedded SQLite store."""

    INSTANCE_PATH: str | None = None
    """Folder for the SQLite store and the generated JWT secret; None → ``instance/``."""

    SYSTEM_DATABASE_URL: str | None = None
    """SQLAlchemy URL of the system store; None → ``instance/df.sqlite``."""

    STORAGE_PATH: str | None = None
    """Root of local file containers and SQLite service databases; None → ``storage/``."""

    REDIS_URL: str | None = None
    """Redis for queues and shared counters; optional."""

    REDIS_PREFIX = "df:"
    """Prefix of every key this instance writes to Redis."""

    QUEUE_CONNECTIONS: dict = {}
    """More Redis connections for queued scripts by name, ``{"reports": "redis://..."}``;
    ``default`` is ``REDIS_URL``."""

    QUEUE_EXTRA_JOBS: list = []
    """Dotted names of more functions queue workers may run, besides this app's own jobs
    (a list, or a comma-separated string); anything else found on a queue is refused."""

    QUEUE_DEFAULT = "default"
    """Queue of jobs whose script names none (and the one workers take by default)."""

    QUEUE_TRIES = 1
    """Attempts of a queued job whose script sets no ``tries``."""

    QUEUE_TIMEOUT = 60
    """Seconds one attempt of a queued job may run when its script sets no ``timeout``."""

    QUEUE_BACKOFF = 10
    """Seconds before the first retry of a failed job (doubled for each later one)."""

    QUEUE_HEARTBEAT_GRACE = 60
    """Seconds after its timeout that a job whose worker died counts as abandoned."""

    QUEUE_MAINTENANCE_INTERVAL = 60
    """Seconds between a worker's sweeps for abandoned jobs, idle or busy (and at its start)."""

    SCHEDULE_FILE: str | None = None
    """Path of the cron-style schedule file read by ``flask scheduler run``; optional."""

    SCHEDULER_TIMEZONE = "UTC"
    """Time zone the scheduled tasks' cron expressions are read in."""

    SCHEDULER_LOG_KEEP = 100
    """Runs kept per scheduled task in ``task_log`` (older ones are deleted)."""

    JWT_SECRET: str | None = None
    """HS256 secret for session tokens; setup writes one to the instance folder."""

    JWT_TTL = 1440
    """Minutes a session token lives."""

    JWT_REFRESH_TTL = 20160
    """Minutes after issue during which a token can still be refreshed."""

    ALLOW_FOREVER_SESSIONS = False
    API_ROUTE_PREFIX = "api"
    STATUS_ROUTE_PREFIX = "status"
    STORAGE_ROUTE_PREFIX = ""
    """Path before ``/{service}/{file}`` of the public storage route; empty → at the root."""

    API_VERSION = "2.0"
    MCP_MAX_RESULT_BYTES = 100_000
    """Bytes of text an MCP tool result or resource carries at most (UTF-8); past that it is
    cut, with a note telling the agent to ask for less."""

    DB_MAX_RECORDS_RETURNED = 100000
    """Hard cap for ``limit`` on any list."""

    SQLITE_BUSY_TIMEOUT = 30
    """Seconds a write to an SQLite database (the system store, an ``sqlite`` service's) waits
    for another writer's lock before the request gets a 503."""

    ALWAYS_WRAP_RESOURCES = True
    """Answer lists as ``{"resource": [...]}``; false → the bare array (unless ``meta`` rides
    along), and ``?wrap=true|false`` decides per request."""

    RESOURCE_WRAPPER = "resource"
    """Key of the list in wrapped responses, also accepted around records in request bodies."""

    XML_ROOT = "dfapi"
    LOGIN_ATTRIBUTE = "email"
    PASSWORD_MIN_LENGTH = 16
    LOGIN_MAX_ATTEMPTS = 5
    """Failed logins of one account from one client address allowed in one window."""

    LOGIN_ACCOUNT_MAX_FAILURES = 50
    """Failed logins of one account from all addresses together in one window; past it the
    account is locked for everyone until the window ends."""

    LOGIN_ADDRESS_MAX_FAILURES = 100
    """Failed logins from one client address (an IPv6 /64) on all accounts in one window."""

    LOGIN_ATTEMPT_WINDOW = 900
    """Seconds of the failed-login window; the next attempt after it is allowed again."""

    CONFIRM_CODE_LENGTH = 32
    """Characters of e-mailed confirmation codes ([0-9A-Z])."""

    CONFIRM_CODE_TTL = 1440
    """Minutes a confirmation code stays valid."""

    CONFIRM_RESET_URL = "/dreamfactory/dist/#/auth/reset-password"
    CONFIRM_INVITE_URL = "/dreamfactory/dist/#/auth/user-invite"
    CONFIRM_REGISTER_URL = "/dreamfactory/dist/#/auth/register-confirm"
    APP_NAME = "DreamFactory"
    """Product name used in e-mails."""

    MAIL_FROM_EMAIL: str | None = None
    """Sender used when an e-mail service and its template name none."""

    MAIL_FROM_NAME: str | None = None

    SENDMAIL_PATH = "/usr/sbin/sendmail"
    """The sendmail program ``local_email`` services of transport ``sendmail`` hand mail to."""

    PROXY_FIX_HOPS = 1
    """Reverse proxies (nginx) in front of gunicorn whose X-Forwarded-* headers we trust."""

    FORWARDED_ALLOW_IPS = "127.0.0.1,::1"
    """Peers whose X-Forwarded-* headers are believed (comma list of addresses or networks,
    ``*`` for any, like gunicorn's setting); other clients' own address is theirs."""

    MAX_CONTENT_LENGTH = 100 * 1024 * 1024
    """Bytes; bigger request bodies get a 413 (file uploads stream separately)."""

    FILE_MAX_UPLOAD_SIZE = 10 * 1024 * 1024 * 1024
    """Bytes; largest upload to a file service (streamed to disk, never held in memory)."""

    FILE_CHUNK_SIZE = 1024 * 1024
    """Bytes read and written per step when file services copy, upload or zip."""

    FILE_URL_IMPORT_TIMEOUT = 30
    """Seconds a file service's ``url=`` import may wait to connect or between reads."""

    FILE_REMOTE_TIMEOUT = 30
    """Seconds a file service on remote storage (S3...) waits to connect or between reads."""

    FILE_URL_IMPORT_ALLOW_PRIVATE = False
    """Let ``url=`` imports reach loopback, private and link-local addresses."""

    SCRIPTING_DISABLE = ""
    """``all``, or a comma list of script types (``python,nodejs``) refused with a 503."""

    SCRIPT_ALLOW_PRIVATE_URLS = False
    """Let scripts reach loopback, private and link-local addresses, through ``platform.api``
    and through the egress proxy of isolated workers alike."""

    SCRIPT_NETWORK_ISOLATION = True
    """Give Python, Node.js and PHP script workers a network of their own whose only way out
    is the app's guarded HTTP(S) proxy. Where the kernel cannot (no root and no unprivileged
    user namespaces), those engines are unavailable unless this is false; false lets scripts
    share the host's network (Redis, databases, metadata address), as DreamFactory's do."""

    SCRIPT_EGRESS_TEST_PUBLIC = ""
    """For the test suite only: ``host:port`` pairs (comma separated) the egress proxy takes as
    public, so a local test server can stand in for an outside web API."""

    SCRIPT_API_MAX_DEPTH = 3
    """Nesting of ``platform.api`` calls (a script calling an endpoint whose script calls...);
    each level holds a script worker, so keep it below ``SCRIPT_WORKERS``."""

    SCRIPT_API_MAX_CALLS = 100
    """``platform.api`` calls all scripts of one top-level request may make together."""

    SCRIPT_HTTP_TIMEOUT = 10
    """Seconds a script's call to an outside URL may take (connect and each read); on the egress
    proxy, the seconds a connection may stay without traffic."""

    SCRIPT_HTTP_MAX_BYTES = 10 * 1024 * 1024
    """Bytes of an outside URL's answer a script receives at most (``platform.api``, and each
    egress proxy connection)."""

    SCRIPT_STATS_FLUSH = 2
    """Seconds a process keeps script run counts before adding them to the shared totals
    (the longest a run takes to show on another node; 0: at once)."""

    SCRIPT_TIMEOUT = 5.0
    """Wall-clock seconds a script may run (its ``platform.api`` calls included)."""

    SCRIPT_WORKERS = 4
    """Warm worker processes per script language in each app process."""

    SCRIPT_WORKER_MAX_RUNS = 1000
    """Runs after which a script worker is replaced by a fresh one."""

    SCRIPT_MEMORY_MB = 256
    """MiB of data (heap) a script worker may allocate (``RLIMIT_DATA``; 0: no limit)."""

    SCRIPT_CPU_SECONDS = 10
    """CPU seconds each script run may use (a worker's lifetime limit is twice that)."""

    SCRIPT_QUEUE_TIMEOUT = 5.0
    """Seconds a script waits for a free worker before a 503."""

    SCRIPT_USER = "nobody"
    """Unprivileged user script workers run as when the app runs as root."""

    SCRIPT_HIDDEN_PATHS = ""
    """More files or folders script workers may not open (separated by ``:``), besides
    the instance folder, the storage folder and a SQLite system store (Linux Landlock)."""

    PYTHON3_PATH: str | None = None
    """Interpreter of Python script workers; None → the app's own (or the same version)."""

    NODEJS_PATH = "node"
    """Node.js binary of the ``nodejs`` script workers (a name looked up on ``PATH``, or a path)."""

    PHP_PATH = "php"
    """PHP CLI binary of the ``php`` script workers (a name looked up on ``PATH``, or a path)."""

    DEBUG = False
    MAINTENANCE = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}


def instance_default(app_instance_path: str) -> str:
    return "sqlite:///" + os.path.join(app_instance_path, "df.sqlite")
