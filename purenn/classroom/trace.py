"""Step-by-step records of one training step, for checking by hand.

``trace(net, inputs, y, step_size)`` runs ``Network.feed_forward`` and
``Network.propagate_backward`` on a copy of ``net`` (the caller's network is
never changed) and keeps every intermediate the network computed: each
layer's weights and biases, z, a, dC/da, dC/db, dC/dw, the updated weights
and biases, the z and a of a second feed forward with the updated
parameters, and the cost before and after.  Nothing here recomputes the
maths: the values are the very floats ``Network`` produced.

The record is a plain dict (see ``trace``) that three renderers turn into
text (``render_text``), a Markdown worksheet (``render_markdown``) or JSON
with every float written by ``repr`` so it reads back bit for bit
(``render_json``).

``worked_example()`` lays the primer's 1 -> 1 -> 1 worked example out in the
primer's order and names, ``demo_network()`` builds the primer's 2-3-2 demo,
and ``exact_report()`` replays the steps that need no exp in
``fractions.Fraction``.

This module is the one import for all of it; each job has its own module:

- ``purenn.classroom.steprecord``: the step itself (``take_step``, ``Step``)
  and its record (``trace``, ``check_size``, ``neuron_record``);
- ``purenn.classroom.examples``: the primer's 1-1-1 and 2-3-2 examples;
- ``purenn.classroom.tracetext``: the renderers (text, Markdown, JSON, the
  worked example; English and Chinese);
- ``purenn.classroom.exactreport``: the steps without exp in Fractions.

>>> net = Network([1, 1, 1], b=[[[-0.14]], [[-0.11]]], w=[[[1.58]], [[2.45]]])
>>> record = trace(net, [0.8], [1], 0.1)
>>> record["layers"][0]["a"]
[[0.7547299213576082]]
>>> record["layers"][1]["updated_b"]
[[-0.1081007630517096]]
>>> net.b[2]                     # the caller's network is unchanged
[[-0.11]]
"""

from purenn.network import Network  # noqa: F401 (the doctest above uses it)
from purenn.classroom.steprecord import (MAX_NEURONS, TRACE_FORMAT, Step,
                                         take_step, network_view, check_size,
                                         trace, neuron_record)
from purenn.classroom.examples import (PRIMER_VALUES, DEMO_INPUT,
                                       DEMO_TARGET, DEMO_STEP_SIZE,
                                       demo_network, primer_network,
                                       worked_example)
from purenn.classroom.tracetext import (LANGUAGES, render_text,
                                        render_markdown, render_json,
                                        render_worked_example)
from purenn.classroom.exactreport import (exact_report,
                                          worked_example_decimals)

__all__ = ["LANGUAGES", "MAX_NEURONS", "TRACE_FORMAT", "PRIMER_VALUES", "trace",
           "check_size", "render_text", "render_markdown", "render_json",
           "worked_example", "render_worked_example", "demo_network",
           "primer_network",
           "DEMO_INPUT", "DEMO_TARGET", "DEMO_STEP_SIZE", "exact_report",
           "worked_example_decimals", "Step", "take_step", "network_view",
           "neuron_record"]
