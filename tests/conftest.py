"""Fixtures shared by several test files."""
import pytest

from purenn.io import mnist


@pytest.fixture(scope="session")
def digits():
    """The first 300 training and 101 test images of the real MNIST files,
    as ``(training, test)`` Datasets.  101 test images split into chunks of
    unequal length for ``jobs`` > 1; ``test[:100]`` is a Dataset too."""
    return mnist.load(train_limit=300, test_limit=101)
