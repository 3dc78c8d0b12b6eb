"""The examples in the public API's docstrings run and print what they say."""

from __future__ import annotations

import doctest

import pytest

import peninsula
from peninsula.api import estimation, executors, explorations, runs
from peninsula.scenario import loading


@pytest.mark.parametrize("module", [peninsula, runs, executors, explorations, estimation, loading],
                         ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_every_public_function_has_an_example():
    missing = [name for name in peninsula.__all__
               if callable(getattr(peninsula, name)) and not isinstance(getattr(peninsula, name),
                                                                        type)
               and ">>>" not in (getattr(peninsula, name).__doc__ or "")]
    assert not missing, f"public functions without an example: {missing}"
