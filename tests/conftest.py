"""Shared fixtures for the core tests."""

from __future__ import annotations

import os

from hypothesis import settings

# Property tests stay quick and deterministic in CI; locally `HYPOTHESIS_PROFILE=dev` digs deeper.
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
