"""acorn: a declarative GitOps reconciler for Amazon marketplace onboarding (ACORN-i)."""

try:  # written by setuptools-scm from the git tag when acorn is built or installed
    from ._version import __version__
except ImportError:  # pragma: no cover - a source tree never installed: no version to tell
    __version__ = "0.0.0"
