"""The product version, shown by ``/status`` and ``system/environment``."""

__version__ = "0.1.0"
