"""Jinja2 templates of the renderers (package data: *.j2)."""
