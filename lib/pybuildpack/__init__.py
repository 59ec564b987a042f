"""The logic of the Python buildpack: version selection, environments, installs."""

__version__ = "0.1.0"
