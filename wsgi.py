"""The app gunicorn serves (``wsgi:app``), and the one ``flask --app wsgi ...`` runs commands on.

The factory builds the app; the command line is an entry point above it, so its
commands (``setup``, ``queue``, ``scheduler``...) are attached here.
"""

from app import cli
from app.factory import create_app

app = create_app()
cli.init_app(app)
