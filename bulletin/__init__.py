"""bulletin: a static site generator for public progress bulletins."""

__version__ = "0.1.0"
