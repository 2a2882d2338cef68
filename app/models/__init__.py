"""System-store models, one module per aggregate."""

from app.models.application import APP_TYPES, App
from app.models.base import Record, iso, utcnow
from app.models.cache_entry import CacheEntry
from app.models.cors import CorsConfig
from app.models.email import EmailTemplate
from app.models.limit import Limit
from app.models.lookup import Lookup
from app.models.role import Role, RoleServiceAccess
from app.models.scheduler import SchedulerTask, TaskLog
from app.models.script import EventScript
from app.models.service import Service
from app.models.system import CacheStamp, RateCounter, SystemConfig, SystemCustom, TokenMap
from app.models.user import User, UserAppRole, UserCustom

__all__ = [
    "APP_TYPES",
    "App",
    "CacheEntry",
    "CacheStamp",
    "CorsConfig",
    "EmailTemplate",
    "EventScript",
    "Limit",
    "Lookup",
    "RateCounter",
    "Record",
    "Role",
    "RoleServiceAccess",
    "SchedulerTask",
    "Service",
    "SystemConfig",
    "SystemCustom",
    "TaskLog",
    "TokenMap",
    "User",
    "UserAppRole",
    "UserCustom",
    "iso",
    "utcnow",
]
