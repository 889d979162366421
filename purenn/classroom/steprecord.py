"""One training step of the reference network, kept whole for inspection.

This is the one place the classroom takes a learning step: ``take_step(net,
inputs, y, step_size)`` runs ``Network.feed_forward``,
``Network.propagate_backward(y, step_size)`` and ``feed_forward`` again on a
view of ``net`` and returns a ``Step``, every intermediate the network
computed, indexed by layer as ``Network`` keeps them.  ``trace`` lays a step
out as the ``purenn-trace/1`` record that ``purenn trace`` prints and the
page shows; the page's ``/api/step`` and ``/api/neuron`` read the same
``Step`` (``purenn.classroom.api``).  Nothing here redoes the arithmetic:
the values are the very floats ``Network`` produced.

Notation: ``w[l]`` is J x K (J neurons of layer l, K of layer l-1), ``b[l]``,
``z[l]``, ``a[l]`` and the gradients J x 1 columns; index 0 of ``w``, ``b``,
``z``, ``dc_db`` and ``dc_dw`` is None, ``a[0]`` is the input and
``dc_da[0]`` the gradient of the cost with respect to it.

>>> from purenn.network import Network
>>> net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])
>>> step = take_step(net, [0.8], [1], 0.1)
>>> step.a[1], step.updated_b[2]
([[0.7547299213576082]], [[-0.1081007630517096]])
>>> net.b[2]                     # the caller's network is unchanged
[[-0.11]]
"""
import collections
import copy

from purenn.network import Network, target_column
from purenn.primer import cost

__all__ = ["MAX_NEURONS", "TRACE_FORMAT", "LAYER_KEYS", "Step", "take_step",
           "network_view", "check_size", "sizes_text", "trace",
           "neuron_record"]

# A trace prints every weight of every layer: a 16 x 16 weight matrix is
# already 16 lines of 16 full-precision floats (about 350 characters each),
# and a 784-input layer would be tens of thousands of lines nobody reads.
MAX_NEURONS = 16

TRACE_FORMAT = "purenn-trace/1"

# The keys of each layer of a trace record, in the order they are written.
LAYER_KEYS = ("layer", "w", "b", "z", "a", "dc_da", "dc_db", "dc_dw",
              "updated_w", "updated_b", "updated_z", "updated_a")

Step = collections.namedtuple(
    "Step", "inputs y step_size target w b z a dc_da dc_db dc_dw "
            "updated_w updated_b updated_z updated_a original_cost "
            "updated_cost")
Step.__doc__ = """One learning step, as ``take_step`` returns it.

``inputs`` and ``y`` as given, ``target`` the desired output column; ``w``,
``b``, ``z``, ``a`` before the step, ``dc_da``, ``dc_db``, ``dc_dw`` its
gradients, ``updated_*`` the parameters after it and the z and a of the
feed forward with them; the costs 1/2 ||a[L] - y||^2 before and after.
Each matrix field is a list indexed by layer (see the module docstring)."""


def network_view(net):
    """Return a network sharing ``net``'s matrices but not its lists.

    ``feed_forward`` and ``propagate_backward`` rebind ``z``, ``a`` and the
    entries of ``w`` and ``b`` with new matrices instead of changing them,
    so work on a view never shows in ``net`` (nor in another thread's view),
    and costs no copy of the weights.
    """
    view = copy.copy(net)
    view.w = list(net.w)
    view.b = list(net.b)
    return view


def take_step(net, inputs, y, step_size):
    """Take one learning step on a view of ``net``; return its ``Step``.

    ``inputs`` is a flat list of ``layers[0]`` numbers, ``y`` the desired
    output (a flat list, or a label, see ``target_column``).  ``net`` is
    never changed; the step's matrices are the very lists ``Network`` made,
    with no copies (``network_view``), so ``w`` and ``b`` before the step
    are ``net``'s own.  Raise ShapeError for inputs or y of the wrong length.
    """
    work = network_view(net)
    target = target_column(y, work.layers[-1])
    work.feed_forward(inputs)
    w, b, z, a = list(work.w), list(work.b), work.z, work.a
    original_cost = cost(a[-1], target)
    work.propagate_backward(y, step_size)
    work.feed_forward(inputs)
    return Step(inputs=inputs, y=y, step_size=step_size, target=target,
                w=w, b=b, z=z, a=a, dc_da=work.dc_da, dc_db=work.dc_db,
                dc_dw=work.dc_dw, updated_w=list(work.w),
                updated_b=list(work.b), updated_z=work.z, updated_a=work.a,
                original_cost=original_cost,
                updated_cost=cost(work.a[-1], target))


def sizes_text(layers):
    """Return the layer sizes as the messages write them.

    >>> sizes_text([784, 30, 10])
    '784-30-10'
    """
    return "-".join(str(size) for size in layers)


def check_size(layers, max_neurons=MAX_NEURONS):
    """Raise ValueError if a layer has more than ``max_neurons`` neurons.

    >>> check_size([784, 30, 10])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: network 784-30-10 is too large to trace: layer 0 has 784 ...
    """
    for l, size in enumerate(layers):
        if size > max_neurons:
            raise ValueError(
                "network {} is too large to trace: layer {} has {} neurons, "
                "a trace prints every value and allows at most {} neurons "
                "per layer".format(sizes_text(layers), l, size, max_neurons))


def trace(net, inputs, y, step_size, max_neurons=MAX_NEURONS):
    """Return the record of one training step of ``net`` on one example.

    ``inputs`` is a flat list of ``layers[0]`` numbers, ``y`` the desired
    output (a flat list, or a label, see ``target_column``).  ``net`` is
    copied; the copy takes the step (``take_step``), so the record shares
    no list with ``net``.  Raise ValueError for a network with a layer above
    ``max_neurons`` (None: no limit), ShapeError for inputs or y of the
    wrong length.

    The record is a dict (matrices are lists of rows, columns J x 1)::

        format         "purenn-trace/1"
        sizes          neurons per layer, input first
        step_size      the step size
        input          a[0], the input column
        target         y, the desired output column
        dc_da_input    dC/da[0] = w[1]^T . dC/db[1]
        layers         one dict per layer l = 1..L, keys: layer, w, b,
                       z, a, dc_da, dc_db, dc_dw (all before the update),
                       updated_w, updated_b, updated_z, updated_a
        original_cost  1/2 ||a[L] - y||^2 before the step
        updated_cost   the same with the updated parameters

    >>> net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]],
    ...               w=[[[1.58]], [[2.45]]])
    >>> record = trace(net, [0.8], [1], 0.1)
    >>> record["layers"][0]["a"], record["layers"][1]["updated_b"]
    ([[0.7547299213576082]], [[-0.1081007630517096]])
    """
    if max_neurons is not None:
        check_size(net.layers, max_neurons)
    step = take_step(Network(net.layers, b=net.biases, w=net.weights),
                     inputs, y, step_size)
    layers = [dict((key, l if key == "layer" else getattr(step, key)[l])
                   for key in LAYER_KEYS)
              for l in range(1, len(net.layers))]
    return {"format": TRACE_FORMAT, "sizes": list(net.layers),
            "step_size": step_size, "input": step.a[0],
            "target": step.target, "dc_da_input": step.dc_da[0],
            "layers": layers, "original_cost": step.original_cost,
            "updated_cost": step.updated_cost}


def neuron_record(step, layer, neuron):
    """Return one neuron's part of ``step`` as a ``purenn-trace/1`` record.

    The keys are those of ``trace``; the layer list holds the one layer,
    and each matrix of it only the neuron's row (its weights are 1 x K, its
    b, z, a and gradients 1 x 1).  ``neuron`` says which one.  The page's
    neuron panel offers this record to copy.
    """
    j = neuron
    entry = {"layer": layer}
    for key in LAYER_KEYS[1:]:
        entry[key] = [list(getattr(step, key)[layer][j])]
    return {"format": TRACE_FORMAT, "sizes": [len(a) for a in step.a],
            "step_size": step.step_size, "input": step.a[0],
            "target": step.target, "dc_da_input": step.dc_da[0],
            "neuron": {"layer": layer, "index": j},
            "layers": [entry], "original_cost": step.original_cost,
            "updated_cost": step.updated_cost}
