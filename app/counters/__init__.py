"""Fixed-window counters shared by every worker and server: what limits and throttles count in.

- ``windows``: the clock (``now()``, patched by tests) and period arithmetic;
- ``protocol``: what a store does (``CounterStore``) and lists (``Counter``);
- ``store``: the choice of store from config, and ``count_event`` (count one event
  under a key, say whether it is over N);
- ``slots``: at most N holders of a counter per window, taken atomically before
  the guarded work and never failing open (the login throttle);
- ``sql_store`` / ``redis_store``: the two stores.

The counters hold no rules: their users name the keys and the maxima, usage
limits (``app.limit_rules``, enforced by ``app.access.limiting``) and the
failed-login throttle (``app.access.throttle``) alike.
"""
