"""Config packages (``system/package``): DreamFactory's export and import of an instance's
configuration as a zip.

A package is DreamFactory's layout: ``package.json`` (the manifest: ``version``,
``df_version``, ``secured``, ``description``, ``created_date`` and ``service``, naming
what is inside) and one JSON file per exported resource, ``system/role.json``,
``system/service.json``..., and ``{service}/_schema.json`` for a database service's
tables. Every record is read and written through the dispatcher as the caller
(``dispatch.calls.Caller``), so the caller's role decides what a package may hold and
what an import may create. Secrets never leave in clear: what the API masks (service
config secrets, private lookups) is left out of the package and named in its manifest
(``secrets_left_out``); users and admins carry no password. DreamFactory's
password-encrypted ("secured") packages are refused rather than written with a weaker
cipher. See ``manifest`` (what can be exported), ``exporter`` (the zip) and
``importer`` (the zip into this instance).
"""
