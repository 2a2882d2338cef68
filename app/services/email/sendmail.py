"""Handing a message to this machine's ``sendmail`` program, as DreamFactory's ``local_email`` does.

The program is the instance's ``SENDMAIL_PATH`` (``/usr/sbin/sendmail``, which every mail
transfer agent installs: postfix, exim4, msmtp-mta, nullmailer...), never a command from a
service's config, so an admin's API call cannot run anything else. It is run as
``sendmail -i -f <sender> -- <recipients...>`` with the message on its standard input and
its ``Bcc`` header removed (the recipients are given on the command line; ``--`` keeps an
address from being read as an option). A program that is missing or not executable is
reported before anything is composed (``require_program``), naming what to install; one that
fails, or runs past ``SENDMAIL_TIMEOUT`` seconds, is a 503 with the first line it wrote.
"""

from __future__ import annotations

import copy
import os
import subprocess
from email import policy
from email.message import EmailMessage

from flask import current_app

from app.vocabulary.errors import ServiceUnavailable

DEFAULT_PATH = "/usr/sbin/sendmail"
"""Where mail transfer agents install their ``sendmail`` program."""
SENDMAIL_TIMEOUT = 60
"""Seconds the ``sendmail`` program may take to accept one message."""


def program() -> str:
    return current_app.config.get("SENDMAIL_PATH") or DEFAULT_PATH


def require_program(service: str, setting: str | None = None) -> str:
    """The ``sendmail`` program's path; a 503 naming what is missing when it cannot run.

    ``setting`` names the configuration that chose the service (``password_email_service_id``),
    so that whoever reads the error knows where to point another service instead.
    """
    path = program()
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    chosen = f" (chosen by {setting})" if setting else ""
    instead = f"set {setting} to" if setting else "use"
    raise ServiceUnavailable(
        f"E-mail service '{service}'{chosen} cannot send: this machine has no sendmail program "
        f"at {path}. Install a mail transfer agent (postfix, exim4, msmtp-mta...) or set "
        f"DF_SENDMAIL_PATH to one, or {instead} an smtp service."
    )


def send(service: str, message: EmailMessage, sender: str, recipients: list[str]) -> None:
    """Hand one message to the ``sendmail`` program; a 503 when it does not take it."""
    path = require_program(service)
    outgoing = copy.copy(message)
    del outgoing["Bcc"]
    try:
        done = subprocess.run(  # noqa: S603 - the configured program, addresses after "--"
            [path, "-i", "-f", sender, "--", *recipients],
            input=outgoing.as_bytes(policy=policy.SMTP),
            capture_output=True,
            timeout=SENDMAIL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ServiceUnavailable(
            f"E-mail service '{service}': {path} did not take the message within "
            f"{SENDMAIL_TIMEOUT} seconds."
        ) from None
    except OSError as exc:
        raise ServiceUnavailable(
            f"E-mail service '{service}' could not run {path}: {exc.strerror}"
        ) from None
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        detail = f": {said[0]}" if said else ""
        raise ServiceUnavailable(
            f"E-mail service '{service}': {path} refused the message "
            f"(exit status {done.returncode}){detail}"
        )
