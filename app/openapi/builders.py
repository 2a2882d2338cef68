"""Every family's document builder: importing this module registers them all (``@builder``).

The dispatcher, which serves the documents, imports it; a new family is a
module with its ``@builder`` function, named here.
"""

from app.openapi import email, files, sql, system, user  # noqa: F401 - each registers its builder
