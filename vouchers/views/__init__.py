from .orders import *  # noqa: F403
from .redemption import *  # noqa: F403
