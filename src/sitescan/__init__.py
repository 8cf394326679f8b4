"""sitescan: what a website stores in the browser and whom it contacts, before and after consent."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sitescan")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
