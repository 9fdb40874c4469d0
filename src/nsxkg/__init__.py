"""nsxkg: the NSX Skills Knowledge Graph."""

__version__ = "0.1.0"
