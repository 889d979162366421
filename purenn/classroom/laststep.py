"""A session's last learning step, kept compact and read back as a ``Step``.

After ``/api/step`` the page may ask for any neuron's part of that step
(``/api/neuron``).  A session keeps what that needs (``keep``) without
holding the step's J x K matrices as lists of floats: the columns packed in
``array('d')`` (``sessions.pack_matrices``), the weights before the step
as the session's packed weights of the moment (or None for the served
model's), and no dC/dw at all.  ``restore`` gives back a
``steprecord.Step`` whose weights are read row by row from the packed
arrays and whose dC/dw is recomputed row by row, bit for bit.

>>> from purenn.network import Network
>>> from purenn.classroom.steprecord import take_step
>>> net = Network([2, 2, 1], seed=1)
>>> step = take_step(net, [0.5, 0.25], [1], 3.0)
>>> kept = keep(step, None, None)
>>> again = restore(kept, net, pack_matrices(step.updated_w),
...                 pack_matrices(step.updated_b))
>>> again.dc_dw[1][0] == step.dc_dw[1][0], again.w[2][0] == step.w[2][0]
(True, True)
"""
import array

from purenn.classroom.sessions import pack_matrices, unpack_matrices
from purenn.classroom.steprecord import Step

__all__ = ["COLUMNS", "keep", "restore", "OuterProduct", "PackedRows"]

# The J x 1 columns of a step, kept packed in a session.
COLUMNS = ("z", "a", "dc_da", "dc_db", "updated_z", "updated_a")


class OuterProduct:
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


class PackedRows:
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
    return [None if flat is None else PackedRows(flat, width)
            for flat, width in zip(arrays, widths)]


def keep(step, w_before, b_before):
    """Return what a session keeps of ``step`` (a dict).

    ``w_before``/``b_before`` are the session's packed weights before the
    step (None: the served model's); the weights after it are the session's
    own; dC/dw is recomputed (``OuterProduct``).
    """
    kept = {key: getattr(step, key) for key in ("y", "step_size", "target",
                                                "original_cost",
                                                "updated_cost")}
    kept["inputs"] = array.array("d", step.inputs)
    kept["w"], kept["b"] = w_before, b_before
    for key in COLUMNS:
        kept[key] = pack_matrices(getattr(step, key))
    return kept


def restore(kept, net, w_after, b_after):
    """Return the ``Step`` that ``kept`` holds, of the served network
    ``net``, whose weights after the step are packed in ``w_after`` and
    ``b_after`` (the session's); call it holding the session's lock."""
    widths = [None] + net.layers[:-1]
    ones = [None] + [1] * (len(net.layers) - 1)
    fields = dict(kept)
    fields["inputs"] = kept["inputs"].tolist()
    for key in COLUMNS:
        fields[key] = unpack_matrices(kept[key], [1] * len(kept[key]))
    fields["w"] = (list(net.w) if kept["w"] is None
                   else _packed_rows(kept["w"], widths))
    fields["b"] = (list(net.b) if kept["b"] is None
                   else unpack_matrices(kept["b"], ones))
    fields["updated_w"] = _packed_rows(w_after, widths)
    fields["updated_b"] = unpack_matrices(b_after, ones)
    fields["dc_dw"] = [None] + [
        OuterProduct(fields["dc_db"][l], fields["a"][l - 1])
        for l in range(1, len(net.layers))]
    return Step(**fields)
