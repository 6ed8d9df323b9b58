"""Shared fixtures: the shipped dataset and one run of the four shipped scenarios."""

import pytest

import evhub


@pytest.fixture(scope="session")
def dataset():
    return evhub.load_dataset()


@pytest.fixture(scope="session")
def shipped(dataset):
    """All four shipped scenarios, run once for the session."""
    return evhub.run(dataset=dataset)
