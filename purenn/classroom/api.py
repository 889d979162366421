"""The JSON API behind the classroom page: every number comes from Network.

``Classroom(net)`` answers the page's questions with the reference path of
``purenn.network.Network`` (never a fast engine), so the page shows the
primer's arithmetic exactly as purenn computes it:

- ``predict``: the forward pass, every layer's activations and the digit;
- ``neuron``: one neuron's z = sum_k w[j][k] a[k] + b[j], its largest terms,
  b, z and sigma(z), plus, after a learning step, that neuron's dC/da, dC/db
  and dC/dw, and the same numbers as a ``purenn-trace/1`` record;
- ``step``: one backpropagation step for a label and a step size, on the
  caller's *session* copy of the network: ``steprecord.take_step``, the
  very step ``purenn trace`` prints (``Network.propagate_backward``);
- ``zero``: set one neuron's incoming weights to 0 in the session copy;
- ``reset``: forget a session; ``example``: the primer's 1-1-1 worked example
  and its 2-3-2 demo, every value in order;
- ``mnist``, ``prepare`` and ``upload``: an input from the MNIST test set, a
  drawing or a PNG/PGM file, prepared like MNIST (``classroom.uploads``,
  with ``purenn.drawing.prepare``).

Every method takes the request as already-parsed JSON (dicts, lists, numbers)
and returns a dict that ``json.dumps`` can write; a bad request raises
``ApiError`` (``classroom.fields``, which checks every field), whose
one-line message the server sends with its status (400 mostly).
Floats are also given as ``repr`` strings where the page shows them in full,
since JavaScript spells some floats differently (``1e-7`` for ``1e-07``).

Sessions hold a learner's changed network, compactly, in a
``sessions.SessionStore``: bounded in number and idle time, each with a lock
that the API holds while it steps, zeroes or resets, so two requests to one
session run one after the other (see ``purenn.classroom.sessions``); a
session's last step is kept packed (``purenn.classroom.laststep``).

>>> from purenn.network import Network
>>> room = Classroom(Network([4, 2, 2], seed=1))
>>> answer = room.predict({"x": [0.0, 0.5, 1.0, 0.25]})
>>> len(answer["outputs"]), answer["prediction"] in (0, 1)
(2, True)
"""
import array
import contextlib
import copy
import threading

from purenn import matrix
from purenn.network import argmax, check_cost
from purenn.primer import sigmoid_prime
from purenn.classroom import lesson, laststep, uploads
from purenn.classroom import sessions as _sessions
from purenn.classroom import trace as tracing
from purenn.classroom.fields import (ApiError, as_float, input_vector,
                                     json_object, language, number,
                                     number_list, short, whole)
from purenn.classroom.sessions import MAX_SESSIONS, pack_matrices, \
    unpack_matrices
from purenn.classroom.steprecord import network_view, neuron_record, \
    take_step
from purenn.classroom.uploads import (DECODE_SLOTS, MAX_DECODE_BYTES,
                                      MAX_PICTURE_PIXELS)

__all__ = ["ApiError", "Classroom", "MAX_SESSIONS", "MAX_PICTURE_PIXELS",
           "MAX_DECODE_BYTES", "DECODE_SLOTS", "TOP_TERMS", "input_vector",
           "neuron_record", "neuron_step"]

# How many of a neuron's terms w*a the neuron answer lists by default.
TOP_TERMS = 10


def _flat_layers(columns):
    return [matrix.flatten(column) for column in columns[1:]]


def _tiles(net):
    """The first layer's weights, each neuron's as 0..255 shades."""
    tiles = []
    for weights in net.w[1]:
        largest = max(abs(value) for value in weights) or 1.0
        tiles.append([int(round(128 + 127 * value / largest))
                      for value in weights])
    return tiles


def neuron_step(step, layer, j, chosen, taken):
    """Return the neuron panel's view of neuron ``j`` of ``layer`` in
    ``step`` (a ``Step``): its dC/da, dC/db, the terms ``chosen`` (their k)
    with a, dC/dw, w before and after, b, z, a before and after, sigma'(z),
    y for an output neuron, and its part of the step as a trace record.
    ``taken`` says whether the step was taken in the session."""
    a_prev = matrix.flatten(step.a[layer - 1])
    grads = step.dc_dw[layer][j]
    w_row, updated_row = step.w[layer][j], step.updated_w[layer][j]
    return {
        "taken": taken, "label": step.y,
        "step_size": repr(step.step_size),
        "dc_da": repr(step.dc_da[layer][j][0]),
        "dc_db": repr(step.dc_db[layer][j][0]),
        "terms": [{"k": k, "a": repr(a_prev[k]), "dc_dw": repr(grads[k]),
                   "w": repr(w_row[k]),
                   "updated_w": repr(updated_row[k])}
                  for k in chosen],
        "b": repr(step.b[layer][j][0]),
        # Before the step, beside after it (the page shows both).
        "z": repr(step.z[layer][j][0]),
        "a": repr(step.a[layer][j][0]),
        "sigma_prime": repr(sigmoid_prime(step.z[layer][j][0])),
        "y": (repr(step.target[j][0])
              if layer == len(step.a) - 1 else None),
        "updated_b": repr(step.updated_b[layer][j][0]),
        "updated_z": repr(step.updated_z[layer][j][0]),
        "updated_a": repr(step.updated_a[layer][j][0]),
        "trace": neuron_record(step, layer, j)}


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
        self._decoder = uploads.Decoder(DECODE_SLOTS)
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
        """Return the session's last step as a ``Step``, or None; call it
        holding ``session.lock``."""
        if session.last_step is None:
            return None
        return laststep.restore(session.last_step, self.net, session.w,
                                session.b)

    # -- answers ----------------------------------------------------------

    def model(self, body=None):
        """Describe the network: sizes, source and the first layer's tiles.

        Each tile is one first-layer neuron's weights as 0..255 shades
        (128 for 0, scaled by the neuron's largest |w|), for drawing only.
        """
        name, net = self._network(json_object(body or {}))
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
        body = json_object(body)
        x = input_vector(body, self.net.layers[0])
        name, net = self._network(body)
        work = network_view(net)
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
        body = json_object(body)
        layers = self.net.layers
        layer = whole(body, "layer", 1, len(layers) - 1)
        j = whole(body, "neuron", 0, layers[layer] - 1)
        top = whole(body, "top", 0, layers[layer - 1],
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
                            session.last_step["inputs"] == array.array("d", x):
                        last = self._last_step(session)
            else:
                net = self.net
        work = network_view(net)
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
            answer["step"] = neuron_step(last, layer, j, order[:top],
                                               True)
        elif "label" in body:
            answer["step"] = neuron_step(take_step(net, x, label,
                                                   step_size),
                                         layer, j, order[:top],
                                               False)
        return answer

    def _quadratic(self, action):
        """Raise ApiError unless the served model has the quadratic cost:
        the step and the trace are that cost's, so a network2.py
        CrossEntropyCost model is refused as ``train --init`` and ``trace``
        refuse it (``purenn.network.check_cost``)."""
        try:
            check_cost(self.net, self.source, action)
        except ValueError as exc:
            raise ApiError(str(exc))

    def _step_arguments(self, body, net):
        self._quadratic("train")
        label = whole(body, "label", 0, net.layers[-1] - 1)
        step_size = number(body.get("step_size", 3.0), "step_size")
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
        body = json_object(body)
        label, step_size = self._step_arguments(body, self.net)
        x = input_vector(body, self.net.layers[0])
        # The session's lock is held from reading its weights to writing the
        # new ones, so concurrent steps in one session never overwrite each
        # other: the step count is always the number of steps in the weights.
        with self._session(body, create=True) as (name, session):
            with session.lock:
                step = take_step(self._network_of(session), x, label,
                                 step_size)
                kept = laststep.keep(step, session.w, session.b)
                session.w = pack_matrices(step.updated_w)
                session.b = pack_matrices(step.updated_b)
                session.last_step = kept
                session.steps += 1
                steps = session.steps
        before = matrix.flatten(step.a[-1])
        after = matrix.flatten(step.updated_a[-1])
        return {"session": name, "steps": steps, "label": label,
                "step_size": step_size,
                "before": {"outputs": before, "prediction": argmax(before),
                           "outputs_repr": [repr(v) for v in before],
                           "cost": repr(step.original_cost)},
                "after": {"outputs": after, "prediction": argmax(after),
                          "outputs_repr": [repr(v) for v in after],
                          "cost": repr(step.updated_cost)},
                "dc_da": _flat_layers(step.dc_da),
                "dc_db": _flat_layers(step.dc_db)}

    def zero(self, body):
        """Set one neuron's incoming weights to 0 in the session copy.

        Its bias stays, so its z becomes b whatever the input.
        """
        body = json_object(body)
        layers = self.net.layers
        layer = whole(body, "layer", 1, len(layers) - 1)
        j = whole(body, "neuron", 0, layers[layer] - 1)
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
        body = json_object(body)
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
        body = json_object(body)
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
                       "{}".format(short(name)))

    # -- the lesson views (purenn.classroom.lesson) -----------------------

    def lesson(self, body):
        """The network drawn and one step walked through, for a small network.

        ``name`` is ``"primer"`` (1-1-1), ``"demo"`` (2-3-2) or ``"model"``
        (the served network or the session's, if small enough to trace, with
        ``input`` and ``target`` as comma-separated numbers and
        ``step_size``).  Answers ``diagram`` and ``stages`` (see
        ``lesson.diagram`` and ``lesson.walkthrough``) in ``lang``.
        """
        body = json_object(body)
        lang = language(body)
        name = body.get("name", "primer")
        if name == "primer":
            record = tracing.trace(tracing.primer_network(), [0.8], [1], 0.1)
        elif name == "demo":
            record = tracing.trace(tracing.demo_network(),
                                   tracing.DEMO_INPUT, tracing.DEMO_TARGET,
                                   tracing.DEMO_STEP_SIZE)
        elif name == "model":
            self._quadratic("trace")
            _, net = self._network(body)
            try:
                tracing.check_size(net.layers)
            except ValueError as exc:
                raise ApiError(str(exc))
            inputs = number_list(body, "input", net.layers[0], 0.5)
            target = number_list(body, "target", net.layers[-1], 0.0)
            step_size = number(as_float(body.get("step_size", 0.1)),
                                "step_size")
            record = tracing.trace(net, inputs, target, step_size)
        else:
            raise ApiError("name: expected \"primer\", \"demo\" or "
                           "\"model\", got {}".format(short(name)))
        return {"name": name, "lang": lang,
                "diagram": lesson.diagram(record, lang),
                "stages": lesson.walkthrough(record, lang), "trace": record,
                "text": tracing.render_text(record)}

    def diagram(self, body):
        """The network drawn for an input (``x`` or ``pixels``): every neuron
        of a small network, or the hidden and output layers of a large one
        (``lesson.compact_diagram``)."""
        body = json_object(body)
        lang = language(body)
        name, net = self._network(body)
        x = input_vector(body, net.layers[0])
        answer = lesson.compact_diagram(net, x, lang)
        answer["session"] = name
        return answer

    # -- inputs -----------------------------------------------------------

    def prepare(self, body):
        """Prepare a drawing like MNIST: ``width``, ``height`` and ``pixels``
        (width*height numbers 0-255, ink high, row by row)."""
        return uploads.drawing(json_object(body))

    def upload(self, data):
        """Decode a PNG or PGM file given as bytes and prepare it like MNIST
        (``uploads.Decoder``: budgeted, a bounded number at once)."""
        return self._decoder.decode(data)

    def mnist(self, body):
        """Return MNIST test image ``index`` as x, pixels and its label."""
        from purenn.io import mnist
        body = json_object(body)
        with self._lock:
            if self._test_set is None:
                try:
                    self._test_set = mnist.load_set(self.mnist_directory,
                                                    "test")
                except (OSError, ValueError) as exc:
                    raise ApiError("MNIST test set not available: {}".format(
                        exc), 404)
            data = self._test_set
        index = whole(body, "index", 0, len(data) - 1)
        x, label = data[index]
        return {"index": index, "label": label, "x": x,
                "pixels": list(data.pixels(index)), "count": len(data)}
