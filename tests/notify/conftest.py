"""End-to-end fixtures shared with tests/pipeline: the CLI runner, generated media, a show."""

from tests.pipeline.conftest import media_dir, run, show

__all__ = ["media_dir", "run", "show"]
