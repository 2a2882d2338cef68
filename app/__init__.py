"""A Python successor to DreamFactory: an instant REST API platform.

The app is built by ``app.factory.create_app``; ``docs/architecture.md`` tells
the layers its packages form and the path of a call through them.
"""
