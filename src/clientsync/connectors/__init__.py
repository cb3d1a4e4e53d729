"""Connectors shipped with the core. Trackers' connectors are separate distributions."""
