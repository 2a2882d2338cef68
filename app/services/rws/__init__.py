"""The ``rws`` (remote HTTP) service type.

- ``config``: the config schema (DreamFactory's names, plus ``timeout``,
  ``allowed_verbs``, ``secret`` flags and ``openapi``);
- ``masking``: secret values masked on output and kept on write-back;
- ``outbound``: the remote call a request becomes (URL, query, headers, body);
- ``transport``: pooled connections, same-origin redirects, 502/504 errors,
  the relayed headers and the streamed body;
- ``kv`` and ``cache``: GET answers cached across workers (Redis or the store);
- ``service``: the service class.
"""

from app.services.rws.service import RemoteWebService

__all__ = ["RemoteWebService"]
