"""Tests of the cloud stand-in: the billed backend later tests use instead of JoggAI."""
