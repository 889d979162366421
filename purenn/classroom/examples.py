"""The primer's two examples: the 1 -> 1 -> 1 worked example and the 2-3-2 demo.

``primer_network()`` is the worked example's network (w_l1 = 1.58, b_l1 =
-0.14, w_l2 = 2.45, b_l2 = -0.11), ``PRIMER_VALUES`` the values the primer
prints for one step of it, and ``worked_example()`` the same step taken by
``Network`` (through ``steprecord.trace``), named and ordered as the primer
writes it.  ``demo_network()`` builds the primer's 2-3-2 demo from its
listing, with ``DEMO_INPUT``, ``DEMO_TARGET`` and ``DEMO_STEP_SIZE``.

>>> dict((name, value) for name, _, value in worked_example())["z_l1"]
1.124
>>> demo_network().layers
[2, 3, 2]
"""
from purenn.network import Network
from purenn.classroom.steprecord import trace

__all__ = ["PRIMER_VALUES", "primer_network", "worked_example",
           "demo_network", "DEMO_INPUT", "DEMO_TARGET", "DEMO_STEP_SIZE"]

# The values the primer prints in its worked example, in the order it
# prints them (copied from the primer's "example calculation" section).
PRIMER_VALUES = (
    ("z_l1", 1.124),
    ("a_l1", 0.7547299213576082),
    ("z_l2", 1.73908830732614),
    ("a_l2", 0.850571226530534),
    ("dc_db_l2", -0.018992369482903983),
    ("dc_dw_l2", -0.014334109526226761),
    ("dc_da_l1", -0.04653130523311476),
    ("updated_b_l2", -0.1081007630517096),
    ("updated_w_l2", 2.451433410952623),
    ("dc_db_l1", -0.008613534018377424),
    ("dc_dw_l1", -0.006890827214701939),
    ("updated_b_l1", -0.13913864659816227),
    ("updated_w_l1", 1.5806890827214704),
    ("updated_z_l1", 1.125412619579014),
    ("updated_a_l1", 0.7549913210309638),
    ("updated_z_l2", 1.7427101863028525),
    ("updated_a_l2", 0.8510309824120517),
    ("original_cost", 0.011164479170294499),
    ("updated_cost", 0.011095884100559231),
)

# The primer's 2-3-2 demo: b and w from its listing, inputs, y, step size.
_DEMO_B = [[[0.54001045], [0.75958375], [0.01870296]],
           [[-0.32783478], [0.06061246]]]
_DEMO_W = [[[-0.11499179, 0.454649],
            [-0.65801895, 0.56618695],
            [-0.15686814, -0.87499479]],
           [[0.01071228, -0.49139708, -0.81775586],
            [-0.87455946, -0.08351883, -0.77534763]]]
DEMO_INPUT = [0.8, 0.2]
# Floats, as `trace --target 0,1` reads them, so `example --network demo`
# prints y as the trace of the saved demo does ([ 0.0 ], not [ 0 ]).
DEMO_TARGET = [0.0, 1.0]
DEMO_STEP_SIZE = 0.1


def demo_network():
    """Return the primer's 2-3-2 demo network (b and w from its listing).

    >>> demo_network().layers
    [2, 3, 2]
    """
    return Network([2, 3, 2], b=_DEMO_B, w=_DEMO_W)


def primer_network():
    """Return the primer's worked-example network, 1 -> 1 -> 1.

    >>> net = primer_network()
    >>> net.w[1], net.b[1], net.w[2], net.b[2]
    ([[1.58]], [[-0.14]], [[2.45]], [[-0.11]])
    """
    return Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])


def worked_example():
    """Return the primer's worked example as a list of (name, formula, value).

    The network 1 -> 1 -> 1 (w_l1 = 1.58, b_l1 = -0.14, w_l2 = 2.45,
    b_l2 = -0.11) takes one step of size 0.1 for a_l0 = 0.8, y = 1.  The
    values come from ``trace`` (that is, from ``Network``), named and ordered
    as in the primer; the givens come first.

    >>> dict((name, value) for name, _, value in worked_example())["a_l2"]
    0.850571226530534
    """
    record = trace(primer_network(), [0.8], [1], 0.1)
    one, two = record["layers"]

    def scalar(m):
        return m[0][0]

    return [
        ("a_l0", "the input", scalar(record["input"])),
        ("y", "the desired output", scalar(record["target"])),
        ("w_l1", "given", scalar(one["w"])),
        ("b_l1", "given", scalar(one["b"])),
        ("w_l2", "given", scalar(two["w"])),
        ("b_l2", "given", scalar(two["b"])),
        ("step_size", "given", record["step_size"]),
        ("z_l1", "w_l1 * a_l0 + b_l1", scalar(one["z"])),
        ("a_l1", "sigmoid(z_l1) = 1/(1+exp(-z_l1))", scalar(one["a"])),
        ("z_l2", "w_l2 * a_l1 + b_l2", scalar(two["z"])),
        ("a_l2", "sigmoid(z_l2)", scalar(two["a"])),
        ("dc_da_l2", "a_l2 - y", scalar(two["dc_da"])),
        ("dc_db_l2", "sigmoid_prime(z_l2) * dc_da_l2", scalar(two["dc_db"])),
        ("dc_dw_l2", "a_l1 * dc_db_l2", scalar(two["dc_dw"])),
        ("dc_da_l1", "w_l2 * dc_db_l2", scalar(one["dc_da"])),
        ("updated_b_l2", "b_l2 - dc_db_l2 * step_size",
         scalar(two["updated_b"])),
        ("updated_w_l2", "w_l2 - dc_dw_l2 * step_size",
         scalar(two["updated_w"])),
        ("dc_db_l1", "sigmoid_prime(z_l1) * dc_da_l1", scalar(one["dc_db"])),
        ("dc_dw_l1", "a_l0 * dc_db_l1", scalar(one["dc_dw"])),
        ("updated_b_l1", "b_l1 - dc_db_l1 * step_size",
         scalar(one["updated_b"])),
        ("updated_w_l1", "w_l1 - dc_dw_l1 * step_size",
         scalar(one["updated_w"])),
        ("updated_z_l1", "updated_w_l1 * a_l0 + updated_b_l1",
         scalar(one["updated_z"])),
        ("updated_a_l1", "sigmoid(updated_z_l1)", scalar(one["updated_a"])),
        ("updated_z_l2", "updated_w_l2 * updated_a_l1 + updated_b_l2",
         scalar(two["updated_z"])),
        ("updated_a_l2", "sigmoid(updated_z_l2)", scalar(two["updated_a"])),
        ("original_cost", "0.5 * (a_l2 - y)**2", record["original_cost"]),
        ("updated_cost", "0.5 * (updated_a_l2 - y)**2",
         record["updated_cost"]),
    ]
