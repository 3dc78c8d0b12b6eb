"""The installed package version (a leaf module: everything may import it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("peninsula")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
