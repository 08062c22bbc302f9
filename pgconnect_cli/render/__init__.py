"""Renderers: finished reports → text. Each format is imported only when chosen."""
