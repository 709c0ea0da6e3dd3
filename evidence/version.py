"""The package's version: stored with every analysis run and seed load."""

__version__ = "0.1.0"
