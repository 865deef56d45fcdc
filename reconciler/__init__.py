"""acorn: a declarative GitOps reconciler for Amazon marketplace onboarding (ACORN-i)."""

__version__ = "0.1.0"
