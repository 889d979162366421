"""The classroom: checking the primer by hand, a page to teach from, and ports.

Everything here is built on the reference network (``purenn.network``): it
shows, checks or serves the numbers ``Network`` computes and never redoes
them.  The modules, by job:

One training step, by hand (``purenn trace``, ``purenn example``)
    - ``trace``: the one import for all of the below.
    - ``steprecord``: the step itself (``take_step``, ``Step``) and its
      ``purenn-trace/1`` record (``trace``, ``neuron_record``).
    - ``examples``: the primer's 1-1-1 worked example and its 2-3-2 demo.
    - ``tracetext``: a trace as text, Markdown or JSON, English or Chinese.
    - ``exactreport``: the steps without exp redone in ``Fraction``.
    - ``gradcheck``: backpropagation against central finite differences.
    - ``selftest``: check an installation with the standard library alone.

The classroom page (``purenn serve``)
    - ``serve``: the application: static files, routes, who may ask.
    - ``eventloop``: the selectors loop and the bounded worker pools.
    - ``httprequest``: one HTTP request read with bounds; error answers.
    - ``api``: the JSON API (``Classroom``), every number from ``Network``.
    - ``fields``: a request's fields checked, ``ApiError``.
    - ``uploads``: drawings and uploaded pictures, budgeted and prepared.
    - ``sessions``: each learner's copy of the network, bounded and locked.
    - ``laststep``: a session's last step, kept packed.
    - ``lesson``: the network drawn and a step walked through.
    - ``training``: a small training run in the background (``--train``).

Other implementations (``purenn golden``, ``purenn compare``)
    - ``golden``: fixtures of every intermediate of mini-batch SGD.
    - ``compare``: another implementation's numbers against a fixture
      (``compare_case``, ``compare_paths``, ``exit_status``; the one import
      for all of the below).
    - ``compare_read``: a fixture or ACTUAL file read within bounds.
    - ``compare_layout``: the fixture's layout, walked in computing order.
    - ``compare_rule``: ULPs, ``ROUNDING_LEVEL`` and one group compared.
    - ``compare_report``: the report and its verdicts.
    - ``hints``: common backprop mistakes recognised from the first
      difference.
"""
