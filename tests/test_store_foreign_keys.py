"""The system store enforces foreign keys on every backend, SQLite included."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import RoleServiceAccess


def test_a_dangling_reference_is_refused(app):
    with app.app_context():
        db.session.add(RoleServiceAccess(role_id=999, service_id=None, component="*", verb_mask=1))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(RoleServiceAccess))
        assert count == 0
