"""DreamFactory's app packages (``.dfpkg``): an app with its tables, records and files.

``resource`` puts import (``POST system/app`` with a package) and export
(``GET system/app/{id}?pkg=true``) on ``system/app``; ``source`` finds the
package of a request, ``contents`` reads and checks it, ``importer`` writes it
through the dispatcher as the caller (undoing everything when a step fails),
``exporter`` builds one. The resource replaces the plain ``system/app`` resource
in the ``system`` service's registry, here because it calls the dispatcher.
"""

from __future__ import annotations

from app.dispatch.app_packages.resource import AppPackageResource

__all__ = ["AppPackageResource"]
