"""The classroom package's layout: listed, small, and built on trace's step."""
import ast
import os

import purenn.classroom
from purenn.classroom import api, steprecord

from support import REPO

FOLDER = os.path.join(REPO, "purenn", "classroom")
# The page and the trace tools (issue 19); compare's own split is elsewhere.
SPLIT = ("api", "serve", "trace", "steprecord", "examples", "tracetext",
         "exactreport", "fields", "uploads", "laststep", "eventloop",
         "httprequest", "training", "lesson", "sessions")


def _modules():
    return sorted(name[:-3] for name in os.listdir(FOLDER)
                  if name.endswith(".py") and name != "__init__.py")


def test_the_package_docstring_names_every_module():
    doc = purenn.classroom.__doc__
    missing = [name for name in _modules()
               if "``{}``".format(name) not in doc]
    assert missing == []


def test_the_page_and_trace_modules_are_under_500_lines():
    for name in SPLIT:
        with open(os.path.join(FOLDER, name + ".py")) as stream:
            count = sum(1 for _ in stream)
        assert count < 500, (name, count)


def test_no_classroom_module_imports_a_private_name():
    for name in _modules():
        with open(os.path.join(FOLDER, name + ".py"), "rb") as stream:
            tree = ast.parse(stream.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                private = [alias.name for alias in node.names
                           if alias.name.startswith("_")]
                assert private == [], (name, node.module, private)


def test_the_page_step_is_trace_step():
    # One step for the page and for `purenn trace`: api has no other.
    assert api.take_step is steprecord.take_step
    with open(os.path.join(FOLDER, "api.py")) as stream:
        source = stream.read()
    assert "propagate_backward(" not in source


def test_the_picture_limit_is_defined_once():
    # One limit for a picture's pixels: weights pictures and uploads.
    from purenn.drawing import pictures
    from purenn.classroom import uploads
    assert api.MAX_PICTURE_PIXELS is uploads.MAX_PICTURE_PIXELS \
        is pictures.MAX_PICTURE_PIXELS
    homes = []
    for root, _, names in os.walk(os.path.join(REPO, "purenn")):
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    if "\nMAX_PICTURE_PIXELS = " in f.read():
                        homes.append(name)
    assert homes == ["pictures.py"]
