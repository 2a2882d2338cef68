from __future__ import annotations

import pytest

from tests.services.email import smtpd


@pytest.fixture
def smtp_server():
    server = smtpd.start()
    yield server
    server.controller.stop()


@pytest.fixture
def sendmail(app):
    """This machine given a ``sendmail`` program (a stand-in that keeps what it is handed)."""
    from tests.services.email.fake_sendmail import FakeSendmail

    return FakeSendmail(app.config["SENDMAIL_PATH"])
