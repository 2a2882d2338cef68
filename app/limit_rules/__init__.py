"""Usage limits as rules: what a ``system/limit`` record says, and which of them apply to a call.

- ``keys``: limit types, ``key_text`` and endpoint matching;
- ``validation``: the ``system/limit`` schema and DreamFactory's per-type rules;
- ``matching``: the active limits (cached) and which of them apply to a request;
- ``listing``: counters of a limit as ``system/limit_cache`` shows them.

The rules count in ``app.counters`` (the windows and stores they share with
the login throttle). Enforcement lives in ``app.access.limiting``; the REST
resources in ``app.services.system.limits``.
"""
