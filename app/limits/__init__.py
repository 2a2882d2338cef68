"""Usage limits and throttles: fixed-window counters shared by every worker and server.

- ``windows``: the clock (``now()``, patched by tests) and period arithmetic;
- ``counters``: the ``CounterStore`` protocol, the choice of store from config,
  and ``count_event`` (count one event under a key, say whether it is over N);
- ``slots``: at most N holders of a counter per window, taken atomically before
  the guarded work and never failing open (the login throttle);
- ``sql_store`` / ``redis_store``: the two stores;
- ``keys``: limit types, ``key_text`` and endpoint matching;
- ``validation``: the ``system/limit`` schema and DreamFactory's per-type rules;
- ``rules``: the active limits (cached) and which of them apply to a request;
- ``listing``: counters of a limit as ``system/limit_cache`` shows them.

Enforcement lives in ``app.access.limits``; the REST resources in
``app.services.system.limits``.
"""
