"""A classic setup.py, so old pips and old setuptools can install purenn.

All metadata is in setup.cfg; this file only calls setup().  It exists for
Pythons whose bundled setuptools (40.6 with CPython 3.6) predates building
from setup.cfg alone, and for installing offline, where pip cannot fetch a
newer setuptools for build isolation:

    python -m pip install --no-build-isolation --no-index .
"""
from setuptools import setup

setup()
