"""A pytest plugin that makes ``purenn.engines.choose`` always answer
"reference": every fast engine silently gives way.  test_notice.py runs the
engine tests under it and expects them to fail (``-p force_reference``)."""
import purenn.engines


def pytest_configure(config):
    purenn.engines.choose = lambda net, engine="auto": "reference"
