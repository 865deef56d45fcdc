"""Renderers: views of a Plan (text, json, markdown), each a Jinja2 template plus a few lines."""
