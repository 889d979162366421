"""The JSON API behind the classroom page: every number comes from Network.

``Classroom(net)`` answers the page's questions with the reference path of
``purenn.network.Network`` (never a fast engine), so the page shows the
primer's arithmetic exactly as purenn computes it:

- ``predict``: the forward pass, every layer's activations and the digit;
- ``neuron``: one neuron's z = sum_k w[j][k] a[k] + b[j], its largest terms,
  b, z and sigma(z), plus, after a learning step, that neuron's dC/da, dC/db
  and dC/dw, and the same numbers as a ``purenn-trace/1`` record;
- ``step``: one backpropagation step (``Network.propagate_backward``) for a
  label and a step size, on the caller's *session* copy of the network;
- ``zero``: set one neuron's incoming weights to 0 in the session copy;
- ``reset``: forget a session; ``example``: the primer's 1-1-1 worked example
  and its 2-3-2 demo, every value in order;
- ``mnist``, ``prepare`` and ``upload``: an input from the MNIST test set, a
  drawing or a PNG/PGM file, prepared like MNIST by ``purenn.drawing.prepare``.

Every method takes the request as already-parsed JSON (dicts, lists, numbers)
and returns a dict that ``json.dumps`` can write; a bad request raises
``ApiError``, whose one-line message the server sends with status 400.
Floats are also given as ``repr`` strings where the page shows them in full,
since JavaScript spells some floats differently (``1e-7`` for ``1e-07``).

Sessions hold a learner's changed network, compactly, in a
``sessions.SessionStore``: bounded in number and idle time, each with a lock
that the API holds while it steps, zeroes or resets, so two requests to one
session run one after the other (see ``purenn.classroom.sessions``).

>>> from purenn.network import Network
>>> room = Classroom(Network([4, 2, 2], seed=1))
>>> answer = room.predict({"x": [0.0, 0.5, 1.0, 0.25]})
>>> len(answer["outputs"]), answer["prediction"] in (0, 1)
(2, True)
"""
import array
import contextlib
import copy
import io
import math
import numbers
import os
import threading

from purenn import matrix
from purenn.network import argmax, target_column
from purenn.primer import cost
from purenn.classroom import lesson
from purenn.classroom import trace as tracing
from purenn.primer import sigmoid_prime
from purenn.drawing import prepare
from purenn.io import images, png
from purenn.classroom import sessions as _sessions
from purenn.classroom.sessions import MAX_SESSIONS, pack_matrices, \
    unpack_matrices

__all__ = ["ApiError", "Classroom", "MAX_SESSIONS", "MAX_PICTURE_PIXELS",
           "MAX_DECODE_BYTES", "DECODE_SLOTS", "TOP_TERMS", "input_vector",
           "neuron_record"]

# A drawing sent by the page is 112 x 112; an uploaded photo may be larger,
# but decoding costs about 120 bytes per pixel in pure Python, so pictures
# above a million pixels are refused before they are decoded.
MAX_PICTURE_PIXELS = 1000 * 1000

# What decoding a PNG costs is set by its unfiltered data, height x (1 +
# bytes per row), and its pixels, not by its size on the wire: a 9.6 KB file
# of 1000 x 1000 RGBA16 rows is 8 MB to unfilter.  An upload over 2 MB of
# it (or over MAX_PICTURE_PIXELS) is refused before decoding.  The dearest
# that pass took 1.2 s of CPU on CPython 3.11 on the 2-core machine (noisy
# 1000 x 1000 16-bit grey; 510 x 510 RGBA16 Paeth rows took 0.7 s).
MAX_DECODE_BYTES = 2 * 1024 * 1024

# At most this many uploads are decoded at once (one per core); another
# waits up to DECODE_WAIT_SECONDS for a turn, then gets a 429.
DECODE_SLOTS = max(1, os.cpu_count() or 1)
DECODE_WAIT_SECONDS = 2.0

# How many of a neuron's terms w*a the neuron answer lists by default.
TOP_TERMS = 10


class ApiError(ValueError):
    """A request the API cannot answer; the message is one line for the user.

    ``status`` is the HTTP status the server sends (400 or 404).
    """

    def __init__(self, message, status=400):
        super(ApiError, self).__init__(message)
        self.status = status


def _number(value, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value):
        raise ApiError("{}: expected a finite number, got {}".format(
            what, _short(value)))
    return value


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _whole(body, key, lowest, highest, default=None):
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) \
            or not lowest <= value <= highest:
        raise ApiError("{}: expected a whole number from {} to {}, got "
                       "{}".format(key, lowest, highest, _short(value)))
    return value


def _object(body):
    if not isinstance(body, dict):
        raise ApiError("expected a JSON object, got a JSON {}".format(
            type(body).__name__))
    return body


def input_vector(body, size):
    """Return the network input given by a request as ``size`` floats.

    ``body["x"]`` gives the input itself (numbers from 0 to 1, as
    ``Network.feed_forward`` takes them); ``body["pixels"]`` gives pixel
    values from 0 to 255, ink high, row by row, turned into value/255 as
    ``purenn.io.mnist`` does.

    >>> input_vector({"pixels": [0, 51, 255]}, 3)
    [0.0, 0.2, 1.0]
    """
    body = _object(body)
    if ("x" in body) == ("pixels" in body):
        raise ApiError("give the input as \"pixels\" ({} numbers 0-255) or "
                       "as \"x\" ({} numbers 0-1), not {}".format(
                           size, size, "both" if "x" in body else "neither"))
    key, highest = ("x", 1) if "x" in body else ("pixels", 255)
    values = body[key]
    if not isinstance(values, list) or len(values) != size:
        found = ("{} numbers".format(len(values))
                 if isinstance(values, list) else
                 "a JSON {}".format(type(values).__name__))
        raise ApiError("{}: expected a list of {} numbers from 0 to {}, got "
                       "{}".format(key, size, highest, found))
    # One quick pass for the usual input (ints and floats in range; a bool,
    # NaN or anything else fails it); the slow pass names the first bad one.
    if not (set(map(type, values)) <= {int, float} and
            all(0 <= value <= highest for value in values)):
        for index, value in enumerate(values):
            _number(value, "{}[{}]".format(key, index))
            if not 0 <= value <= highest:
                raise ApiError("{}[{}] is {!r}, expected 0 to {}".format(
                    key, index, value, highest))
    if key == "pixels":
        return [value / 255 for value in values]
    return [float(value) for value in values]


def _view(net):
    """Return a network sharing ``net``'s matrices but not its lists.

    ``feed_forward`` and ``propagate_backward`` rebind ``z``, ``a`` and the
    entries of ``w`` and ``b`` with new matrices instead of changing them,
    so work on a view never shows in ``net`` (nor in another thread's view).
    """
    view = copy.copy(net)
    view.w = list(net.w)
    view.b = list(net.b)
    return view


def _flat_layers(columns):
    return [matrix.flatten(column) for column in columns[1:]]


def _take_step(net, x, label, step_size):
    """Take one step on a view of ``net``; return (updated view, record).

    The record keeps what the page shows: z and a before, dC/da, dC/db,
    dC/dw, z and a after and the cost before and after, the very lists
    ``Network`` made (as ``trace.trace`` does, without its deep copies).
    """
    work = _view(net)
    target = target_column(label, work.layers[-1])
    work.feed_forward(x)
    record = {"x": x, "label": label, "step_size": step_size,
              "target": target, "w": list(net.w), "b": list(net.b),
              "z": work.z, "a": work.a,
              "original_cost": cost(work.a[-1], target)}
    work.propagate_backward(label, step_size)
    record.update(dc_da=work.dc_da, dc_db=work.dc_db, dc_dw=work.dc_dw)
    work.feed_forward(x)
    record.update(updated_w=list(work.w), updated_b=list(work.b),
                  updated_z=work.z, updated_a=work.a,
                  updated_cost=cost(work.a[-1], target))
    return work, record


def neuron_record(record, layer, neuron):
    """Return the step ``record`` of one neuron in the ``purenn-trace/1`` form.

    The keys are those of ``trace.trace``; the layer list holds the one
    layer, and each matrix of it only the neuron's row (its weights are
    1 x K, its b, z, a and gradients 1 x 1).  ``neuron`` says which one.
    """
    j = neuron

    def row(m):
        return [list(m[j])]

    entry = {"layer": layer}
    for key in ("w", "b", "z", "a", "dc_da", "dc_db", "dc_dw", "updated_w",
                "updated_b", "updated_z", "updated_a"):
        entry[key] = row(record[key][layer])
    return {"format": tracing.TRACE_FORMAT,
            "sizes": [len(record["a"][l]) for l in range(len(record["a"]))],
            "step_size": record["step_size"], "input": record["a"][0],
            "target": record["target"], "dc_da_input": record["dc_da"][0],
            "neuron": {"layer": layer, "index": j},
            "layers": [entry], "original_cost": record["original_cost"],
            "updated_cost": record["updated_cost"]}


class _OuterProduct:
    """dC/dw of one layer, row by row, from dC/db and a of the layer before.

    ``primer.dc_dw`` is ``dot(dc_db, transpose(a_prev))``, whose every entry
    is one product ``dc_db[j] * a_prev[k]`` (``matrix.dot`` starts its sum
    with the first product), so the rows come out bit for bit as the step
    made them without keeping its J x K matrix.
    """

    def __init__(self, dc_db, a_prev):
        self.dc_db = dc_db
        self.a_prev = a_prev

    def __getitem__(self, j):
        g = self.dc_db[j][0]
        return [g * a[0] for a in self.a_prev]

    def __len__(self):
        return len(self.dc_db)


def _tiles(net):
    """The first layer's weights, each neuron's as 0..255 shades."""
    tiles = []
    for weights in net.w[1]:
        largest = max(abs(value) for value in weights) or 1.0
        tiles.append([int(round(128 + 127 * value / largest))
                      for value in weights])
    return tiles


class _PackedRows:
    """A packed J x K matrix (``sessions.pack_matrices``) read row by row:
    the neuron view needs one row of the weights before and after a step,
    not all of them."""

    def __init__(self, flat, width):
        self.flat = flat
        self.width = width

    def __getitem__(self, j):
        return self.flat[j * self.width:(j + 1) * self.width].tolist()

    def __len__(self):
        return len(self.flat) // self.width


def _packed_rows(arrays, widths):
    return [None if flat is None else _PackedRows(flat, width)
            for flat, width in zip(arrays, widths)]


# The J x 1 columns of a step record, kept packed in a session.
_COLUMNS = ("z", "a", "dc_da", "dc_db", "updated_z", "updated_a")


def _stored_step(record, w_before, b_before):
    """Return what a session keeps of a step ``record`` (see sessions).

    ``w_before``/``b_before`` are the session's packed weights before the
    step (None: the served model's); the weights after it are the session's
    own; dC/dw is recomputed (``_OuterProduct``).
    """
    kept = {key: record[key] for key in ("label", "step_size", "target",
                                         "original_cost", "updated_cost")}
    kept["x"] = array.array("d", record["x"])
    kept["w"], kept["b"] = w_before, b_before
    for key in _COLUMNS:
        kept[key] = pack_matrices(record[key])
    return kept


def _png_header(data):
    # IHDR comes first after the 8-byte signature: length, "IHDR", then the
    # width and height as big-endian 32-bit numbers, bit depth, colour type,
    # compression, filter and interlace bytes (PNG spec 11.2.2).
    if len(data) < 24:
        return 0, 0, 8, 0, 0
    tail = data[24:29] + bytes(5 - len(data[24:29]))
    return (int.from_bytes(data[16:20], "big"),
            int.from_bytes(data[20:24], "big"), tail[0], tail[1], tail[4])


# Samples per pixel of each PNG colour type (PNG spec table 11.1).
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _png_decode_bytes(width, height, depth, colour, interlace):
    """Return the size of a PNG's unfiltered data: height x (1 + row bytes),
    plus the filter byte of each extra row of Adam7's seven passes."""
    bits = width * _PNG_CHANNELS.get(colour, 4) * max(depth, 1)
    total = height * (1 + (bits + 7) // 8)
    if interlace:
        total += 7 * (height + 8)
    return total


class Classroom:
    """The API's state: the served network and the learners' sessions.

    ``net`` is never changed; ``source`` names it in ``model``'s answer;
    ``mnist_directory`` is where ``mnist`` reads the test set (None: the
    checkout's data/mnist).  Methods are safe to call from many threads.
    """

    def __init__(self, net, source="<network>", mnist_directory=None,
                 max_sessions=MAX_SESSIONS,
                 idle_seconds=_sessions.IDLE_SECONDS,
                 active_seconds=_sessions.ACTIVE_SECONDS):
        self.net = net
        self.source = source
        self.mnist_directory = mnist_directory
        self.sessions = _sessions.SessionStore(max_sessions, idle_seconds,
                                               active_seconds)
        self._lock = threading.Lock()
        self._decodes = threading.BoundedSemaphore(DECODE_SLOTS)
        self._test_set = None
        self._served_tiles = None

    # -- sessions ---------------------------------------------------------

    @contextlib.contextmanager
    def _session(self, body, create=False):
        """Hold the request's session in use: yield (name, session).

        Without ``"session"`` in the body: (None, None), or with ``create`` a
        new session.  An unknown or expired one is a 404 that says so.
        """
        name = body.get("session")
        if name is None and not create:
            yield None, None
            return
        try:
            held = (self.sessions.create() if name is None
                    else self.sessions.use(name))
        except _sessions.StoreFull as exc:
            raise ApiError(str(exc), 503)
        except _sessions.SessionGone as exc:
            raise ApiError("{}: reload the page to rebuild your copy from "
                           "its URL, or press Reset".format(exc), 404)
        with held as session:
            yield session.name, session

    def _network(self, body, create=False):
        """Return (session name or None, network) for a request that only
        reads the network: the served one, or a snapshot of the session's
        weights taken under its lock."""
        with self._session(body, create) as (name, session):
            if session is None:
                return None, self.net
            with session.lock:
                return name, self._network_of(session)

    def _network_of(self, session):
        """Return a network view of ``session``'s weights (the served
        model's when it has none); call it holding ``session.lock``."""
        if session is None or session.w is None:
            return self.net
        view = copy.copy(self.net)
        view.w = unpack_matrices(session.w, [None] + self.net.layers[:-1])
        view.b = unpack_matrices(session.b, [None] + [1] * (
            len(self.net.layers) - 1))
        return view

    def _last_step(self, session):
        """Return the session's last step as ``_take_step``'s record, or
        None; call it holding ``session.lock``."""
        kept = session.last_step
        if kept is None:
            return None
        widths = [None] + self.net.layers[:-1]
        ones = [None] + [1] * (len(self.net.layers) - 1)
        record = dict(kept)
        record["x"] = kept["x"].tolist()
        for key in _COLUMNS:
            record[key] = unpack_matrices(kept[key], [1] * len(kept[key]))
        record["w"] = (list(self.net.w) if kept["w"] is None
                       else _packed_rows(kept["w"], widths))
        record["b"] = (list(self.net.b) if kept["b"] is None
                       else unpack_matrices(kept["b"], ones))
        record["updated_w"] = _packed_rows(session.w, widths)
        record["updated_b"] = unpack_matrices(session.b, ones)
        record["dc_dw"] = [None] + [
            _OuterProduct(record["dc_db"][l], record["a"][l - 1])
            for l in range(1, len(self.net.layers))]
        return record

    # -- answers ----------------------------------------------------------

    def model(self, body=None):
        """Describe the network: sizes, source and the first layer's tiles.

        Each tile is one first-layer neuron's weights as 0..255 shades
        (128 for 0, scaled by the neuron's largest |w|), for drawing only.
        """
        name, net = self._network(_object(body or {}))
        if net is not self.net:
            tiles = _tiles(net)
        else:
            # Every page asks for the served model's tiles when it opens.
            if self._served_tiles is None:
                self._served_tiles = _tiles(net)
            tiles = self._served_tiles
        return {"sizes": net.layers, "source": self.source, "session": name,
                "tiles": tiles}

    def predict(self, body):
        """Feed an input forward: the outputs, the digit, every layer's a."""
        body = _object(body)
        x = input_vector(body, self.net.layers[0])
        name, net = self._network(body)
        work = _view(net)
        outputs = work.output(x)
        return {"outputs": outputs, "prediction": argmax(outputs),
                "outputs_repr": [repr(value) for value in outputs],
                "activations": _flat_layers(work.a), "session": name}

    def neuron(self, body):
        """Show one neuron's arithmetic for an input (see the module doc).

        ``layer`` (1..L) and ``neuron`` pick it; ``top`` (default TOP_TERMS)
        says how many terms w*a to list, largest |w*a| first.  With a session
        that took a step, the answer also has ``step``: the neuron's dC/da,
        dC/db, its dC/dw next to the a they multiply, b and w after the step,
        and ``trace``, the neuron's part of the step as a trace record.
        """
        body = _object(body)
        layers = self.net.layers
        layer = _whole(body, "layer", 1, len(layers) - 1)
        j = _whole(body, "neuron", 0, layers[layer] - 1)
        top = _whole(body, "top", 0, layers[layer - 1],
                     min(TOP_TERMS, layers[layer - 1]))
        x = input_vector(body, layers[0])
        if "label" in body:
            label, step_size = self._step_arguments(body, self.net)
        last = None
        with self._session(body) as (name, session):
            if session is not None:
                with session.lock:
                    net = self._network_of(session)
                    if session.last_step is not None and \
                            session.last_step["x"] == array.array("d", x):
                        last = self._last_step(session)
            else:
                net = self.net
        work = _view(net)
        work.feed_forward(x)
        a_prev = matrix.flatten(work.a[layer - 1])
        weights = net.w[layer][j]
        products = [w * a for w, a in zip(weights, a_prev)]
        order = sorted(range(len(products)),
                       key=lambda k: (-abs(products[k]), k))
        terms = [{"k": k, "w": repr(weights[k]), "a": repr(a_prev[k]),
                  "product": repr(products[k])} for k in order[:top]]
        # z's own sum: the row of w . a, added left to right by matrix.dot.
        total = matrix.dot([weights], work.a[layer - 1])[0][0]
        b = net.b[layer][j][0]
        answer = {"layer": layer, "neuron": j, "session": name,
                  "inputs": len(a_prev),
                  "nonzero_terms": len([p for p in products if p != 0]),
                  "terms": terms, "sum": repr(total), "b": repr(b),
                  "z": repr(work.z[layer][j][0]),
                  "a": repr(work.a[layer][j][0]),
                  "z_values": [total, b, work.z[layer][j][0],
                               work.a[layer][j][0]],
                  "step": None}
        if last is not None:
            answer["step"] = self._step_detail(last, layer, j, order[:top],
                                               True)
        elif "label" in body:
            _, record = _take_step(net, x, label, step_size)
            answer["step"] = self._step_detail(record, layer, j, order[:top],
                                               False)
        return answer

    @staticmethod
    def _step_detail(record, layer, j, chosen, taken):
        a_prev = matrix.flatten(record["a"][layer - 1])
        grads = record["dc_dw"][layer][j]
        w_row, updated_row = record["w"][layer][j], \
            record["updated_w"][layer][j]
        return {
            "taken": taken, "label": record["label"],
            "step_size": repr(record["step_size"]),
            "dc_da": repr(record["dc_da"][layer][j][0]),
            "dc_db": repr(record["dc_db"][layer][j][0]),
            "terms": [{"k": k, "a": repr(a_prev[k]), "dc_dw": repr(grads[k]),
                       "w": repr(w_row[k]),
                       "updated_w": repr(updated_row[k])}
                      for k in chosen],
            "b": repr(record["b"][layer][j][0]),
            # Before the step, beside after it (the page shows both).
            "z": repr(record["z"][layer][j][0]),
            "a": repr(record["a"][layer][j][0]),
            "sigma_prime": repr(sigmoid_prime(record["z"][layer][j][0])),
            "y": (repr(record["target"][j][0])
                  if layer == len(record["a"]) - 1 else None),
            "updated_b": repr(record["updated_b"][layer][j][0]),
            "updated_z": repr(record["updated_z"][layer][j][0]),
            "updated_a": repr(record["updated_a"][layer][j][0]),
            "trace": neuron_record(record, layer, j)}

    @staticmethod
    def _step_arguments(body, net):
        label = _whole(body, "label", 0, net.layers[-1] - 1)
        step_size = _number(body.get("step_size", 3.0), "step_size")
        if not 0 <= step_size <= 1000:
            raise ApiError("step_size: expected 0 to 1000, got {!r}".format(
                step_size))
        return label, step_size

    def step(self, body):
        """Take one learning step in the request's session (made if absent).

        ``label`` is the right digit (an output neuron), ``step_size`` the
        primer's step size (eta, default 3.0).  Answers with the outputs and
        cost before and after, and every layer's dC/da and dC/db.
        """
        body = _object(body)
        label, step_size = self._step_arguments(body, self.net)
        x = input_vector(body, self.net.layers[0])
        # The session's lock is held from reading its weights to writing the
        # new ones, so concurrent steps in one session never overwrite each
        # other: the step count is always the number of steps in the weights.
        with self._session(body, create=True) as (name, session):
            with session.lock:
                work, record = _take_step(self._network_of(session), x,
                                          label, step_size)
                kept = _stored_step(record, session.w, session.b)
                session.w = pack_matrices(work.w)
                session.b = pack_matrices(work.b)
                session.last_step = kept
                session.steps += 1
                steps = session.steps
        before = matrix.flatten(record["a"][-1])
        after = matrix.flatten(record["updated_a"][-1])
        return {"session": name, "steps": steps, "label": label,
                "step_size": step_size,
                "before": {"outputs": before, "prediction": argmax(before),
                           "outputs_repr": [repr(v) for v in before],
                           "cost": repr(record["original_cost"])},
                "after": {"outputs": after, "prediction": argmax(after),
                          "outputs_repr": [repr(v) for v in after],
                          "cost": repr(record["updated_cost"])},
                "dc_da": _flat_layers(record["dc_da"]),
                "dc_db": _flat_layers(record["dc_db"])}

    def zero(self, body):
        """Set one neuron's incoming weights to 0 in the session copy.

        Its bias stays, so its z becomes b whatever the input.
        """
        body = _object(body)
        layers = self.net.layers
        layer = _whole(body, "layer", 1, len(layers) - 1)
        j = _whole(body, "neuron", 0, layers[layer] - 1)
        with self._session(body, create=True) as (name, session):
            with session.lock:
                if session.w is None:
                    session.w = pack_matrices(self.net.w)
                    session.b = pack_matrices(self.net.b)
                width = layers[layer - 1]
                row = session.w[layer][j * width:(j + 1) * width]
                if any(value != 0.0 for value in row) or \
                        (layer, j) not in session.zeroed:
                    # A new array: a reader may still hold the old one.
                    weights = array.array("d", session.w[layer])
                    weights[j * width:(j + 1) * width] = array.array(
                        "d", bytes(8 * width))
                    session.w = list(session.w)
                    session.w[layer] = weights
                    session.last_step = None
                session.zeroed.add((layer, j))
                zeroed = [list(pair) for pair in sorted(session.zeroed)]
        return {"session": name, "zeroed": zeroed}

    def reset(self, body):
        """Forget the request's session: the served network again."""
        body = _object(body)
        name = body.get("session")
        try:
            held = self.sessions.use(name)
        except _sessions.SessionGone:
            return {"session": None}     # nothing to forget
        with held as session:
            with session.lock:           # after any step under way
                self.sessions.drop(name)
        return {"session": None}

    def example(self, body):
        """The primer's worked example or 2-3-2 demo, every value in order.

        ``name`` is ``"primer"`` (1 -> 1 -> 1, the values named as in the
        primer) or ``"demo"`` (2-3-2, the trace's text, section by section).
        """
        body = _object(body)
        name = body.get("name", "primer")
        if name == "primer":
            steps = [{"name": key, "formula": formula, "value": repr(value)}
                     for key, formula, value in tracing.worked_example()]
            record = tracing.trace(tracing.primer_network(), [0.8], [1],
                                   0.1)
            return {"name": name, "steps": steps,
                    "trace": record, "text": tracing.render_text(record)}
        if name == "demo":
            record = tracing.trace(tracing.demo_network(),
                                   tracing.DEMO_INPUT, tracing.DEMO_TARGET,
                                   tracing.DEMO_STEP_SIZE)
            return {"name": name, "steps": None, "trace": record,
                    "text": tracing.render_text(record)}
        raise ApiError("name: expected \"primer\" or \"demo\", got "
                       "{}".format(_short(name)))

    # -- the lesson views (purenn.classroom.lesson) -----------------------

    @staticmethod
    def _lang(body):
        lang = body.get("lang", "en")
        if lang not in lesson.LANGUAGES:
            raise ApiError("lang: expected one of {}, got {}".format(
                ", ".join(lesson.LANGUAGES), _short(lang)))
        return lang

    def lesson(self, body):
        """The network drawn and one step walked through, for a small network.

        ``name`` is ``"primer"`` (1-1-1), ``"demo"`` (2-3-2) or ``"model"``
        (the served network or the session's, if small enough to trace, with
        ``input`` and ``target`` as comma-separated numbers and
        ``step_size``).  Answers ``diagram`` and ``stages`` (see
        ``lesson.diagram`` and ``lesson.walkthrough``) in ``lang``.
        """
        body = _object(body)
        lang = self._lang(body)
        name = body.get("name", "primer")
        if name == "primer":
            record = tracing.trace(tracing.primer_network(), [0.8], [1], 0.1)
        elif name == "demo":
            record = tracing.trace(tracing.demo_network(),
                                   tracing.DEMO_INPUT, tracing.DEMO_TARGET,
                                   tracing.DEMO_STEP_SIZE)
        elif name == "model":
            _, net = self._network(body)
            try:
                tracing.check_size(net.layers)
            except ValueError as exc:
                raise ApiError(str(exc))
            inputs = self._numbers(body, "input", net.layers[0], 0.5)
            target = self._numbers(body, "target", net.layers[-1], 0.0)
            step_size = _number(self._float(body.get("step_size", 0.1)),
                                "step_size")
            record = tracing.trace(net, inputs, target, step_size)
        else:
            raise ApiError("name: expected \"primer\", \"demo\" or "
                           "\"model\", got {}".format(_short(name)))
        return {"name": name, "lang": lang,
                "diagram": lesson.diagram(record, lang),
                "stages": lesson.walkthrough(record, lang), "trace": record,
                "text": tracing.render_text(record)}

    @staticmethod
    def _float(value):
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise ApiError("expected a number, got {}".format(
                    _short(value)))
        return value

    def _numbers(self, body, key, size, default):
        value = body.get(key)
        if value is None:
            return [default] * size
        if isinstance(value, (int, float)):
            value = [value]
        elif isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or len(value) != size:
            raise ApiError("{}: expected {} numbers".format(key, size))
        return [_number(self._float(v), "{}[{}]".format(key, i))
                for i, v in enumerate(value)]

    def diagram(self, body):
        """The network drawn for an input (``x`` or ``pixels``): every neuron
        of a small network, or the hidden and output layers of a large one
        (``lesson.compact_diagram``)."""
        body = _object(body)
        lang = self._lang(body)
        name, net = self._network(body)
        x = input_vector(body, net.layers[0])
        answer = lesson.compact_diagram(net, x, lang)
        answer["session"] = name
        return answer

    # -- inputs -----------------------------------------------------------

    def _prepared(self, rows, description):
        try:
            x, notes = prepare.prepare_digit(rows)
        except ValueError as exc:
            raise ApiError(str(exc))
        return {"x": x, "pixels": prepare.to_pixels(x), "notes": notes,
                "source": description}

    def prepare(self, body):
        """Prepare a drawing like MNIST: ``width``, ``height`` and ``pixels``
        (width*height numbers 0-255, ink high, row by row)."""
        body = _object(body)
        width = _whole(body, "width", 1, 1000)
        height = _whole(body, "height", 1, 1000)
        pixels = body.get("pixels")
        if not isinstance(pixels, list) or len(pixels) != width * height:
            raise ApiError("pixels: expected {} x {} = {} numbers from 0 to "
                           "255".format(width, height, width * height))
        if not (set(map(type, pixels)) <= {int, float} and
                all(0 <= value <= 255 for value in pixels)):
            for index, value in enumerate(pixels):    # name the first bad one
                _number(value, "pixels[{}]".format(index))
                if not 0 <= value <= 255:
                    raise ApiError("pixels[{}] is {!r}, expected 0 to "
                                   "255".format(index, value))
        rows = [[value / 255 for value in pixels[r * width:(r + 1) * width]]
                for r in range(height)]
        return self._prepared(rows, "drawing {}x{}".format(width, height))

    def upload(self, data):
        """Decode a PNG or PGM file given as bytes and prepare it like MNIST.

        The bytes are read by purenn's own decoders and never stored.
        """
        if data[:8] == png.PNG_SIGNATURE:
            width, height, depth, colour, interlace = _png_header(data)
            if width * height > MAX_PICTURE_PIXELS:
                raise ApiError("upload: PNG {}x{} is too large, at most {} "
                               "pixels".format(width, height,
                                               MAX_PICTURE_PIXELS), 413)
            work = _png_decode_bytes(width, height, depth, colour, interlace)
            if work > MAX_DECODE_BYTES:
                raise ApiError(
                    "upload: PNG {}x{} at {} bits a sample is {} bytes to "
                    "decode, over the limit of {}: send a smaller or 8-bit "
                    "picture".format(width, height, depth, work,
                                     MAX_DECODE_BYTES), 413)
        # At most DECODE_SLOTS decodes at once, so a burst of uploads costs
        # a bounded share of CPU and memory.
        if not self._decodes.acquire(timeout=DECODE_WAIT_SECONDS):
            raise ApiError("upload: {} other uploads are being decoded; try "
                           "again in a moment".format(DECODE_SLOTS), 429)
        try:
            rows, kind = images.read_image_stream(io.BytesIO(data), "upload")
            return self._prepared(rows, kind)
        except ValueError as exc:
            raise ApiError(str(exc))
        finally:
            self._decodes.release()

    def mnist(self, body):
        """Return MNIST test image ``index`` as x, pixels and its label."""
        from purenn.io import mnist
        body = _object(body)
        with self._lock:
            if self._test_set is None:
                try:
                    self._test_set = mnist.load_set(self.mnist_directory,
                                                    "test")
                except (OSError, ValueError) as exc:
                    raise ApiError("MNIST test set not available: {}".format(
                        exc), 404)
            data = self._test_set
        index = _whole(body, "index", 0, len(data) - 1)
        x, label = data[index]
        return {"index": index, "label": label, "x": x,
                "pixels": list(data.pixels(index)), "count": len(data)}
