from __future__ import annotations

import pytest

from tests.services.email import smtpd


@pytest.fixture
def smtp_server():
    server = smtpd.start()
    yield server
    server.controller.stop()
