"""Classroom subcommands of the purenn command line (see purenn.cli).

``example``    the primer's worked example (or its 2-3-2 demo), step by step
``trace``      the same for any small saved network, as text, Markdown or JSON
``gradcheck``  backpropagation against central finite differences
``weights``    the first hidden layer's incoming weights as a PNG
``plot``       accuracy per epoch from a ``train --log`` file as an SVG chart
``selftest``   checks of this installation with the standard library alone
"""
import math
import random
import sys

from purenn.arguments import add_data_argument
from purenn.cli.common import CliError, parse_float_list, parse_int_list, \
    positive_int, non_negative_int, check_picture_name

__all__ = ["register"]



def register(subparsers):
    """Add this module's subcommands to subparsers."""
    example = subparsers.add_parser(
        "example",
        help="replay the primer's worked example step by step",
        description="Replay the primer's worked example (1 -> 1 -> 1, "
                    "a0 = 0.8, y = 1, step 0.1) with the primer's names, "
                    "every value printed in full (repr).")
    example.add_argument("--network", choices=("primer", "demo"),
                         default="primer",
                         help="'primer': the 1-1-1 worked example; 'demo': "
                              "the primer's 2-3-2 demo network in matrix "
                              "form")
    example.add_argument("--exact", action="store_true",
                         help="redo the steps that need no exp in exact "
                              "fractions and explain why sigmoid cannot be "
                              "exact")
    example.add_argument("--save", metavar="MODEL", default=None,
                         help="also write the example's network, before "
                              "its step, as a model file (for trace, "
                              "gradcheck, weights)")
    example.add_argument("--lang", choices=("en", "zh"), default="en",
                         help="language of the words (default en; zh: the "
                              "translated primer's Chinese); numbers are "
                              "the same")
    example.set_defaults(func=run_example)

    trace = subparsers.add_parser(
        "trace",
        help="every intermediate of one training step of a small network",
        description="Print every z, a, dC/da, dC/db, dC/dw, the updates and "
                    "the cost before and after one training step of a saved "
                    "network (at most 16 neurons per layer).")
    trace.add_argument("model", metavar="MODEL", help="model file (JSON)")
    trace.add_argument("--input", type=parse_float_list, required=True,
                       help="input values x1,x2,...")
    trace.add_argument("--target", type=parse_float_list, required=True,
                       help="desired output values y1,y2,...")
    trace.add_argument("--step-size", type=float, default=0.1,
                       help="gradient-descent step size")
    trace.add_argument("--format", choices=("text", "markdown", "json"),
                       default="text", help="output format")
    trace.add_argument("--lang", choices=("en", "zh"), default="en",
                       help="language of the text format's words (default "
                            "en; zh: the translated primer's Chinese); "
                            "numbers are the same")
    trace.set_defaults(func=run_trace)

    gradcheck = subparsers.add_parser(
        "gradcheck",
        help="compare backpropagation with finite differences",
        description="Compare every backpropagated derivative with a central "
                    "finite difference (h = 1e-5); exit 1 if a relative "
                    "error exceeds 1e-4.  Inputs and targets default to "
                    "numbers in [0, 1) drawn with --seed.")
    gradcheck.add_argument("model", metavar="MODEL", nargs="?", default=None,
                           help="model file (JSON); default: a random "
                                "network of --layers")
    gradcheck.add_argument("--layers", type=parse_int_list, default=[2, 3, 2],
                           help="layer sizes of the random network")
    gradcheck.add_argument("--seed", type=non_negative_int, default=0,
                           help="seed of the random network, inputs and "
                                "targets")
    gradcheck.add_argument("--input", type=parse_float_list, default=None,
                           help="input values x1,x2,...")
    gradcheck.add_argument("--target", type=parse_float_list, default=None,
                           help="desired output values y1,y2,...")
    gradcheck.set_defaults(func=run_gradcheck)

    weights = subparsers.add_parser(
        "weights",
        help="draw the first hidden layer's incoming weights as a PNG",
        description="Draw each first-hidden-layer neuron's incoming weights "
                    "as a tile (28x28 for 784 inputs) in a grid: blue "
                    "positive, white zero, orange negative.")
    weights.add_argument("model", metavar="MODEL", help="model file (JSON)")
    weights.add_argument("--out", required=True, metavar="PNG",
                         help="PNG file to write")
    weights.add_argument("--zoom", type=positive_int, default=4,
                         help="screen pixels per weight")
    weights.add_argument("--scale", choices=("global", "tile"),
                         default="global",
                         help="'global': one colour scale for all tiles "
                              "(tiles comparable); 'tile': each tile "
                              "scaled to its own largest |weight|")
    weights.set_defaults(func=run_weights)

    plot = subparsers.add_parser(
        "plot",
        help="draw accuracy per epoch from a train --log file as SVG",
        description="Read the JSON lines that 'train --log' writes and draw "
                    "test accuracy (correct / total) per epoch.")
    plot.add_argument("log", metavar="LOG", help="log file (JSON lines)")
    plot.add_argument("--out", required=True, metavar="SVG",
                      help="SVG file to write")
    plot.add_argument("--title", default="Test accuracy per epoch",
                      help="chart title")
    plot.set_defaults(func=run_plot)

    selftest = subparsers.add_parser(
        "selftest",
        help="check this installation without pytest",
        description="Check with the standard library alone that purenn "
                    "computes what it should; one line per check, exit 1 on "
                    "any failure.")
    add_data_argument(selftest)
    selftest.set_defaults(func=run_selftest)


# -- example ---------------------------------------------------------------

def run_example(args, out=None):
    from purenn.classroom import trace
    from purenn.io.fileio import check_outputs
    out = sys.stdout if out is None else out
    check_outputs([("--save", args.save)])
    if args.network == "primer":
        net = trace.primer_network()
        text = trace.render_worked_example(lang=args.lang)
        if args.exact:
            record = trace.trace(trace.primer_network(), [0.8], [1], 0.1)
            text += "\n" + trace.exact_report(
                record, trace.worked_example_decimals())
    else:
        net = trace.demo_network()
        record = trace.trace(trace.demo_network(), trace.DEMO_INPUT,
                             trace.DEMO_TARGET, trace.DEMO_STEP_SIZE)
        text = ({"en": "The primer's 2-3-2 demo network (b and w from its "
                       "listing), one step",
                 "zh": "入门文章的 2-3-2 示例网络（b 和 w 取自它的代码），"
                       "一个训练步骤"}[args.lang] + "\n\n" +
                trace.render_text(record, args.lang))
        if args.exact:
            text += "\n" + trace.exact_report(record)
    if args.save is not None:
        net.save(args.save)
        text += "\nwrote {}: the {} network before its step\n".format(
            args.save, "1-1-1" if args.network == "primer" else "2-3-2")
    out.write(text)
    return 0


def _check_lengths(net, source, inputs, target):
    """Raise CliError unless --input and --target fit the network."""
    for option, values, size, where in (
            ("--input", inputs, net.layers[0], "input"),
            ("--target", target, net.layers[-1], "output")):
        if len(values) != size:
            raise CliError("{} has {} values, the {} layer of {} has {} "
                           "neurons".format(option, len(values), where,
                                            source, size))


# -- trace -----------------------------------------------------------------

def run_trace(args, out=None):
    out = sys.stdout if out is None else out
    from purenn.classroom import trace
    from purenn.network import check_cost, load
    net = load(args.model)
    check_cost(net, args.model, "trace")
    trace.check_size(net.layers)
    if not math.isfinite(args.step_size):
        raise CliError("--step-size: expected a finite number, got "
                       "{!r}".format(args.step_size))
    _check_lengths(net, args.model, args.input, args.target)
    record = trace.trace(net, args.input, args.target, args.step_size)
    if args.format == "text":
        out.write(trace.render_text(record, args.lang))
    else:
        render = {"markdown": trace.render_markdown,
                  "json": trace.render_json}[args.format]
        out.write(render(record))
    return 0


# -- gradcheck -------------------------------------------------------------

def run_gradcheck(args, out=None):
    out = sys.stdout if out is None else out
    from purenn.classroom import gradcheck
    from purenn.network import Network, check_cost, load
    if args.model is not None:
        net = load(args.model)
        check_cost(net, args.model, "check the gradients of")
    else:
        net = Network(args.layers, seed=args.seed)
    # Draw inputs and targets from their own generator, not the network's.
    rng = random.Random(args.seed)
    inputs = args.input
    if inputs is None:
        inputs = [rng.random() for _ in range(net.layers[0])]
    target = args.target
    if target is None:
        target = [rng.random() for _ in range(net.layers[-1])]
    _check_lengths(net, args.model or "the network", inputs, target)
    rows = gradcheck.check_gradients(net, inputs, target)
    out.write("gradient check of network {}: dC/dp by backprop vs "
              "(C(p+h) - C(p-h)) / ((p+h) - (p-h))\n\n".format(
                  "-".join(str(size) for size in net.layers)))
    out.write(gradcheck.render_table(rows))
    return 0 if gradcheck.passed(rows) else 1


# -- weights ---------------------------------------------------------------

def run_weights(args, out=None):
    out = sys.stdout if out is None else out
    from purenn.network import load
    from purenn.io.fileio import check_outputs
    from purenn.drawing import pictures
    from purenn.io.png import write_png
    check_picture_name("--out", args.out, ".png")
    check_outputs([("--out", args.out)], inputs=[("MODEL", args.model)])
    net = load(args.model)
    # Layer 1: the first hidden layer, or the output layer of a network
    # without one (784-10), whose tiles are then the ten digit templates.
    w = net.w[1]
    height, width = pictures.picture_size(len(w), len(w[0]), args.zoom)
    if height * width > pictures.MAX_PICTURE_PIXELS:
        largest = pictures.largest_zoom(len(w), len(w[0]))
        raise CliError("--zoom {}: the picture would be {}x{} pixels, more "
                       "than the limit of {:,}; {}".format(
                           args.zoom, width, height,
                           pictures.MAX_PICTURE_PIXELS,
                           "use --zoom {} or less".format(largest) if largest
                           else "this model's layer 1 is too large to draw"))
    picture = pictures.weights_picture(w, zoom=args.zoom, scale=args.scale)
    write_png(args.out, picture, mode="RGB")
    tile_rows, tile_cols = pictures.tile_shape(net.layers[0])
    out.write("wrote {}: {} neurons of layer 1, {}x{} weights each, {}x{} "
              "pixels, colour scale {}\n".format(
                  args.out, len(w), tile_rows, tile_cols, len(picture[0]),
                  len(picture), args.scale))
    return 0


# -- plot ------------------------------------------------------------------

def run_plot(args, out=None):
    out = sys.stdout if out is None else out
    from purenn.io.fileio import atomic_write, check_outputs
    from purenn.io import trainlog
    from purenn.drawing.svg import line_chart
    check_picture_name("--out", args.out, ".svg")
    check_outputs([("--out", args.out)], inputs=[("LOG", args.log)])
    points = trainlog.read_log(args.log)
    text = line_chart([epoch for epoch, _ in points],
                      [accuracy for _, accuracy in points], args.title,
                      "epoch", "test accuracy (%)")
    atomic_write(args.out, text.encode("utf-8"))
    best = max(points, key=lambda point: point[1])
    out.write("wrote {}: {} epochs, last {:.2f}%, best {:.2f}% (epoch {})\n"
              .format(args.out, len(points), points[-1][1], best[1],
                      best[0]))
    return 0


# -- selftest --------------------------------------------------------------

def run_selftest(args, out=None):
    out = sys.stdout if out is None else out
    import time
    from purenn.classroom import selftest
    start = time.time()
    results = selftest.run_checks(args.data)
    width = max(len(result.name) for result in results)
    for result in results:
        out.write("{:<4}  {}  {}\n".format(
            result.status, result.name.ljust(width), result.detail))
    failed = [result for result in results if result.status == "FAIL"]
    out.write("{}: {} checks, {} failed, {} skipped ({:.1f} s)\n".format(
        "FAILED" if failed else "OK", len(results), len(failed),
        len([r for r in results if r.status == "skip"]),
        time.time() - start))
    return 1 if failed else 0
