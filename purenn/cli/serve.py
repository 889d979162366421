"""Subcommand ``serve``: the classroom page on this machine (see purenn.cli).

``purenn serve [MODEL]`` loads a model, prints the page's URL and serves until
Ctrl-C; docs/serve.md is the manual.  The server lives in
``purenn.classroom.serve``; this module only reads the arguments, loads the
model and the MNIST sets, and prints.
"""
import os
import sys

import argparse

from purenn import resources
from purenn.arguments import add_data_argument
from purenn.cli.common import (CliError, check_data_directory,
                               load_mnist_sets, positive_int)

# The shipped model, in the package (maybe inside purenn.pyz).
DEFAULT_MODEL = resources.data_path("models", "mnist-784-30-10.json")

# The --train run: through purenn.engines (the reference's bits, about
# 1,300 examples a second on CPython on a 2-core machine, 25,000 on PyPy),
# an epoch in seconds, and enough images to learn: 68% of the 1,000 test
# images after the first epoch, 89% after the fifth (seed 0).
TRAIN_EXAMPLES = 10000
TEST_EXAMPLES = 1000
TRAIN_EPOCHS = 5

# Open files the server asks for (each connection is one): a class of 60
# browsers holds about 360, and idle or hostile connections more.
OPEN_FILES = 16384


def port_number(text):
    """argparse type: a TCP port, 0 to 65535 (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            "expected a port from 0 to 65535 (0 for any free one), got "
            "{!r}".format(text))
    return value


def _raise_open_files_limit():
    """Let this process hold OPEN_FILES files, if the hard limit allows."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = OPEN_FILES if hard == resource.RLIM_INFINITY \
            else min(OPEN_FILES, hard)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, OSError, ValueError):
        pass    # not on this system: the server caps its connections


def register(subparsers):
    """Add ``serve`` to subparsers."""
    serve = subparsers.add_parser(
        "serve", help="serve the classroom page (draw a digit, click a neuron)",
        description="Serve the classroom page: draw a digit or pick an MNIST "
        "image, see every neuron's arithmetic and take a learning step, all "
        "computed by purenn.  Listens on 127.0.0.1 only unless --host says "
        "otherwise; Ctrl-C stops it.")
    serve.add_argument("model", metavar="MODEL", nargs="?", default=None,
                       help="model file (JSON); default: the shipped "
                       "purenn/data/models/mnist-784-30-10.json")
    serve.add_argument("--port", type=port_number, default=8000,
                       help="port to listen on, 0 for any free port "
                       "(default: 8000)")
    serve.add_argument("--host", default="127.0.0.1", metavar="ADDR",
                       help="address to listen on; 0.0.0.0 shares the page "
                       "with the classroom network, ::1 is IPv6's loopback "
                       "(default: 127.0.0.1)")
    add_data_argument(serve)
    serve.add_argument("--train", action="store_true",
                       help="also train a fresh 784-30-10 network in the "
                       "background ({} images, {} epochs) and show it "
                       "live".format(TRAIN_EXAMPLES, TRAIN_EPOCHS))
    serve.add_argument("--train-epochs", type=positive_int,
                       default=TRAIN_EPOCHS, metavar="N",
                       help="epochs of the --train run (default: {})".format(
                           TRAIN_EPOCHS))
    serve.set_defaults(func=serve_command)


def _model_path(model):
    if model is not None:
        return model
    if not resources.isfile(DEFAULT_MODEL):
        raise CliError("no MODEL given and no default model: {}; or give "
                       "one, e.g. 'purenn serve model.json' after 'purenn "
                       "train --save model.json'".format(
                           resources.missing_data_advice("models")))
    return DEFAULT_MODEL


def _have_test_set(directory):
    """True if ``directory`` (None: the shipped data) has the t10k files."""
    from purenn.io import mnist
    try:
        for base in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
            mnist.find_file(directory, base)
    except OSError:
        return False
    return True


def serve_command(args, out=None, ready=None, err=None):
    """Run ``purenn serve``; return the exit status.

    ``ready(server)``, when given, is called once the server listens (tests
    use it to learn the port and to stop the server).
    """
    from purenn import network
    from purenn.classroom.api import Classroom
    from purenn.classroom.serve import Training, is_loopback, make_server
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if args.data is not None or args.train:
        # A wrong --data is the loaders' one line, as for every command.
        check_data_directory(args.data)
    path = _model_path(args.model)
    net = network.load(path)
    # A 784-input network gets the digit page; a small one (at most
    # trace.MAX_NEURONS a layer, say the 2-3-2 demo) its walkthrough.
    from purenn.classroom.trace import MAX_NEURONS
    if net.layers[0] != 784 and max(net.layers) > MAX_NEURONS:
        raise CliError("{}: the network has {} inputs: the page draws 28x28 "
                       "= 784, or walks through a network of at most {} "
                       "neurons a layer".format(path, net.layers[0],
                                                MAX_NEURONS))
    room = Classroom(net, source=os.path.basename(path),
                     mnist_directory=args.data)
    training = None
    if args.train:
        sets = load_mnist_sets(args.data, {"train": TRAIN_EXAMPLES,
                                           "test": TEST_EXAMPLES})
        training = Training(sets["train"], sets["test"],
                            epochs=args.train_epochs)
    def log(line):
        # One line for each request answered with an error.
        err.write(line + "\n")
        err.flush()

    _raise_open_files_limit()
    try:
        server = make_server(room, args.host, args.port, training, log=log)
    except (OSError, UnicodeError) as exc:
        raise CliError("cannot listen on {!r} port {}: {}".format(
            args.host, args.port, getattr(exc, "strerror", None) or exc))
    try:
        address = server.server_address[0]
        if not is_loopback(address):
            err.write("purenn: warning: listening on {} port {}: anyone who "
                      "can reach this machine on that port (the classroom "
                      "network, maybe more) can use the page; there is no "
                      "password\n".format(address, server.server_address[1]))
            err.flush()
        out.write("purenn: serving {} ({}) at {}\n".format(
            os.path.basename(path), "-".join(map(str, net.layers)),
            server.url()))
        from purenn.io import mnist
        if not _have_test_set(args.data):
            out.write("purenn: no MNIST test set in {}: the page's MNIST "
                      "images are off (drawing and uploads work); give "
                      "--data DIR\n".format(mnist.data_directory(args.data)))
        if training is not None:
            training.start()
            out.write("purenn: training live at {}?train=1\n".format(
                server.url()))
        out.write("purenn: press Ctrl-C to stop\n")
        out.flush()
        if ready is not None:
            ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        # Ctrl-C at any moment after the server exists (even before it
        # serves) is the way to stop it: not an error.
        out.write("purenn: stopped\n")
    finally:
        if training is not None:
            training.stop()
        server.server_close()
    return 0
