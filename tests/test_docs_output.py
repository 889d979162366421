"""Docs that cannot go stale: each marked command-output block is run.

A block of shell commands in docs/*.md is checked when the line before its
opening fence is a marker::

    <!-- docs-output -->          run by the test suite
    <!-- docs-output: slow -->    run only with PURENN_DOCS_SLOW=1 (a training
                                  run and what needs its model)

In a block, a line ``$ COMMAND`` (a trailing backslash continues it) is run
with bash in a fresh temporary directory, one per document, shared by its
blocks in order (so a block may use a file an earlier block wrote);
``python`` is the running interpreter, ``purenn/`` is the package under test
(so ``purenn/data/...`` paths work) and ``$ echo $?`` prints the previous
command's exit status.  The lines up to the next ``$`` are its expected
output, compared after normalising both sides:

- a time such as ``0.3 s``, ``27 s`` or ``1458 examples/s``, and a JSON
  ``"seconds"``-like field, becomes a placeholder (times vary);
- an absolute path into the checkout or the temporary directory loses its
  prefix (paths vary);
- a line ``...`` in the docs stands for any number of lines (the docs show
  the head of a long output, or its tail after ``...``).

When an output changes on purpose (say after a change of the last bits of
sigmoid or of the seeds' initial weights), rewrite the blocks with::

    python tests/test_docs_output.py --refresh [--slow] [docs/FILE.md ...]

which keeps each block's ``...`` elisions and writes the new output in.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(REPO, "docs")
MARKER = re.compile(r"^<!-- docs-output(: slow)? -->\s*$")
# A command's output is its stdout and stderr; 5 minutes is a training run
# of the slow blocks on a loaded 2-core machine with room to spare.
TIMEOUT_S = 300


class Block:
    """A marked block: where it is, whether slow, its (command, output) pairs."""

    def __init__(self, path, start, end, slow, runs):
        self.path, self.start, self.end = path, start, end
        self.slow, self.runs = slow, runs


def parse(path):
    """Return the marked blocks of the Markdown file ``path``."""
    with open(path, encoding="utf-8") as stream:
        lines = stream.read().split("\n")
    blocks = []
    index = 0
    while index < len(lines):
        found = MARKER.match(lines[index])
        if not found:
            index += 1
            continue
        if index + 1 >= len(lines) or not lines[index + 1].startswith("```"):
            raise ValueError("{}:{}: a docs-output marker must be followed "
                             "by a ``` block".format(path, index + 1))
        start = index + 2
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        runs = []
        body = lines[start:end]
        at = 0
        while at < len(body):
            if not body[at].startswith("$ "):
                raise ValueError("{}:{}: expected a '$ command' line".format(
                    path, start + at + 1))
            command = body[at][2:]
            while command.endswith("\\"):
                at += 1
                command = command[:-1] + " " + body[at].strip()
            at += 1
            output = []
            while at < len(body) and not body[at].startswith("$ "):
                output.append(body[at])
                at += 1
            runs.append((command, output))
        blocks.append(Block(path, start, end, bool(found.group(1)), runs))
        index = end + 1
    return blocks


def _normalise(line, workdir):
    line = line.rstrip()
    for prefix in (workdir + os.sep, REPO + os.sep):
        line = line.replace(prefix, "")
    line = re.sub(r'"(seconds|train_seconds|examples_per_second)": '
                  r'[0-9.]+', r'"\1": <n>', line)
    line = re.sub(r"\b\d+(\.\d+)? examples/s\b", "<n> examples/s", line)
    line = re.sub(r"\b\d+ min \d+ s\b", "<t> s", line)
    line = re.sub(r"\b\d+(\.\d+)? s\b", "<t> s", line)
    return line


def _matches(expected, actual):
    """Whether ``actual`` lines fit ``expected``, where '...' is any lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(_matches(expected[1:], actual[i:])
                   for i in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and \
        _matches(expected[1:], actual[1:])


def _first_difference(expected, actual):
    for number, (want, got) in enumerate(zip(expected, actual), 1):
        if want == "...":
            return "after a '...' line the rest did not fit"
        if want != got:
            return "line {}: expected {!r}, got {!r}".format(number, want,
                                                             got)
    return "expected {} lines, got {}".format(len(expected), len(actual))


class Shell:
    """Runs a document's commands in one temporary directory."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix="purenn-docs-")
        os.symlink(os.path.join(REPO, "purenn"),
                   os.path.join(self.workdir, "purenn"))
        self.status = 0

    def run(self, command):
        """Return the command's output lines (stdout then stderr)."""
        if command.strip() == "echo $?":
            return [str(self.status)]
        command = re.sub(r"(^|[|;&(]\s*)python(3)? ",
                         lambda m: m.group(1) + sys.executable + " ",
                         command)
        env = dict(os.environ, PYTHONPATH=REPO, COLUMNS="80")
        process = subprocess.run(
            ["bash", "-c", command], cwd=self.workdir, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=TIMEOUT_S)
        self.status = process.returncode
        text = process.stdout.decode("utf-8", "replace")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines

    def close(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def marked_docs():
    return sorted(os.path.join(DOCS, name) for name in os.listdir(DOCS)
                  if name.endswith(".md") and parse(os.path.join(DOCS, name)))


def check(path, slow):
    """Yield (block, command, message) for each command whose output is not
    the documented one."""
    shell = Shell()
    try:
        for block in parse(path):
            if block.slow and not slow:
                continue
            for command, output in block.runs:
                actual = [_normalise(line, shell.workdir)
                          for line in shell.run(command)]
                expected = [_normalise(line, shell.workdir)
                            for line in output]
                if not _matches(expected, actual):
                    yield block, command, _first_difference(expected, actual)
    finally:
        shell.close()


SLOW = os.environ.get("PURENN_DOCS_SLOW") == "1"


@pytest.mark.parametrize("path", marked_docs(),
                         ids=lambda p: os.path.relpath(p, REPO))
def test_marked_outputs_are_what_the_commands_print(path):
    problems = ["{}:{}: `{}`: {}".format(os.path.relpath(block.path, REPO),
                                        block.start, command, message)
                for block, command, message in check(path, SLOW)]
    assert not problems, (
        "the documented output is stale:\n  " + "\n  ".join(problems) +
        "\nIf the change is intended (for example after a change of "
        "sigmoid's last bits or of the seeds' initial weights), rewrite the "
        "blocks with\n  python tests/test_docs_output.py --refresh{} {}\n"
        "and read the diff before committing.".format(
            " --slow" if SLOW else "", os.path.relpath(path, REPO)))


def test_the_checker_fails_a_wrong_block(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text("<!-- docs-output -->\n```\n$ echo one; echo 2.5 s\n"
                   "one\n0.1 s\n$ echo two\nthree\n```\n", encoding="utf-8")
    problems = list(check(str(doc), False))
    assert [command for _, command, _ in problems] == ["echo two"]
    assert "expected 'three', got 'two'" in problems[0][2]


def test_ellipsis_and_marker_errors(tmp_path):
    assert _matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert _matches(["...", "c", "..."], ["a", "b", "c", "d"])
    assert not _matches(["a", "...", "e"], ["a", "b", "c", "d"])
    doc = tmp_path / "bad.md"
    doc.write_text("<!-- docs-output -->\ntext\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must be followed by a"):
        parse(str(doc))


# -- refreshing the blocks ----------------------------------------------------

def _refreshed(expected, actual):
    """Return the new output lines: ``actual``, cut as ``expected`` is.

    Each run of literal lines between '...' lines keeps its length; it is
    placed where its first line appears in ``actual`` (after the previous
    run), or right after the previous run if that line is gone.
    """
    if "..." not in expected:
        return actual
    new, at = [], 0
    segments, current = [], []
    for line in expected:
        if line == "...":
            segments.append(current)
            segments.append(None)
            current = []
        else:
            current.append(line)
    segments.append(current)
    for segment in segments:
        if segment is None:
            new.append("...")
            continue
        if not segment:
            continue
        start = at
        for i in range(at, len(actual)):
            if actual[i].rstrip() == segment[0].rstrip():
                start = i
                break
        new.extend(actual[start:start + len(segment)])
        at = start + len(segment)
    return new


def refresh(path, slow):
    """Rewrite the marked blocks of ``path`` with what the commands print."""
    with open(path, encoding="utf-8") as stream:
        lines = stream.read().split("\n")
    shell = Shell()
    changed = 0
    try:
        replacements = []
        for block in parse(path):
            if block.slow and not slow:
                continue
            body = []
            for command, output in block.runs:
                actual = [line.rstrip().replace(shell.workdir + os.sep, "")
                          .replace(REPO + os.sep, "")
                          for line in shell.run(command)]
                body.append("$ " + command)
                body.extend(_refreshed(output, actual))
            replacements.append((block.start, block.end, body))
        for start, end, body in reversed(replacements):
            if lines[start:end] != body:
                changed += 1
            lines[start:end] = body
    finally:
        shell.close()
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("\n".join(lines))
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check or rewrite the marked command-output blocks of "
                    "docs/*.md.")
    parser.add_argument("files", nargs="*", help="default: every marked doc")
    parser.add_argument("--refresh", action="store_true",
                        help="rewrite the blocks with the new output")
    parser.add_argument("--slow", action="store_true",
                        help="also the blocks marked slow")
    args = parser.parse_args(argv)
    files = args.files or marked_docs()
    status = 0
    for path in files:
        if args.refresh:
            print("{}: {} blocks rewritten".format(path,
                                                   refresh(path, args.slow)))
            continue
        for block, command, message in check(path, args.slow):
            print("{}:{}: `{}`: {}".format(path, block.start, command,
                                           message))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
