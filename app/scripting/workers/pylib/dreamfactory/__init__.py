"""What Python scripts can import: ``from dreamfactory import NotFoundException``."""

from dreamfactory.exceptions import *  # noqa: F403
from dreamfactory.exceptions import __all__  # noqa: F401
