"""network.py's SGD loop, written once for every engine.

Nielsen's network.py trains like this::

    for j in range(epochs):
        random.shuffle(training_data)
        mini_batches = [training_data[k:k+mini_batch_size]
                        for k in range(0, n, mini_batch_size)]
        for mini_batch in mini_batches:
            self.update_mini_batch(mini_batch, eta)
        if test_data:
            print("Epoch {0}: {1} / {2}".format(
                j, self.evaluate(test_data), n_test))

``run_epochs`` is that loop, and the only one: ``Network.sgd`` (the
reference, ``purenn.network``) and every faster engine
(``purenn.engines.driver``, ``purenn.engines.split``) run it.  What differs
between them is how one mini-batch is trained, which a *trainer* does:

* ``step(indexes, following)``: train the mini-batch of the examples at
  ``indexes`` (``following``: the next mini-batch's, or None at the end of
  the epoch, for an engine that reads ahead);
* ``store()``: write its parameters into ``net.w``/``net.b`` as of the last
  finished mini-batch (after every epoch, and when an exception leaves);
* ``snapshot()``, ``restore(snapshot)``, ``finite()``: the non-finite
  fallback (see ``fall_back``);
* ``labels()`` and ``predictions()``: the test data's labels and the
  network's answers, counted by ``score``.

``ReferenceTrainer`` is the reference's: ``step`` is
``Network.update_mini_batch``.  The call's arguments travel as a ``Run``.

>>> score([7, 2, 1, 0], [7, 2, 0, 0])
3
>>> mini_batch_rate(3.0, 4)
0.75
"""
import collections

from purenn.arguments import label_of

__all__ = ["Run", "Rewind", "run_epochs", "fall_back", "ReferenceTrainer",
           "score", "labels_of", "mini_batch_rate", "step_size_of"]


class Run(collections.namedtuple(
        "Run", "training_data epochs mini_batch_size step_size test_data "
               "on_epoch on_progress")):
    """The arguments of one ``sgd`` call, as every engine's trainer and
    ``run_epochs`` read them."""
    __slots__ = ()


class Rewind(collections.namedtuple(
        "Rewind", "epoch shuffle_state params")):
    """Where an epoch started: its number, the network's shuffle state
    (``Network.shuffle_state``) and the trainer's ``snapshot()``."""
    __slots__ = ()


def mini_batch_rate(step_size, m):
    """Return step_size / m, the factor of a mini-batch's summed gradients.

    network.py's ``w - (eta/len(mini_batch)) * nw``: the one place the rate
    of a mini-batch of ``m`` examples is formed, for every engine.
    """
    return step_size / m


def step_size_of(step_size, eta):
    """Return the rate given as ``step_size`` or by its old name ``eta``.

    ``step_size`` is the primer's word; ``eta`` (network.py's) is kept as a
    keyword alias.  Giving both, or neither, is a TypeError.
    """
    if eta is None:
        if step_size is None:
            raise TypeError("sgd() missing the rate: step_size (or its old "
                            "name, eta)")
        return step_size
    if step_size is not None:
        raise TypeError("sgd() got both step_size and eta, two names of "
                        "one argument")
    return eta


def score(predicted, labels):
    """Return how many of the ``predicted`` labels equal ``labels``.

    The count network.py's ``evaluate`` returns; both lists must be equally
    long.
    """
    predicted, labels = list(predicted), list(labels)
    if len(predicted) != len(labels):
        raise ValueError("score: {} predictions but {} labels".format(
            len(predicted), len(labels)))
    return len([1 for guess, label in zip(predicted, labels)
                if guess == label])


def labels_of(data):
    """Return the label (``arguments.label_of``) of every ``(x, y)``."""
    return [label_of(y) for _, y in data]


class ReferenceTrainer:
    """The reference's trainer: ``Network.update_mini_batch`` in place.

    Its parameters are ``net.w``/``net.b`` themselves, always whole
    mini-batches' and never non-finite for its purpose: it is what the
    others fall back to.
    """

    def __init__(self, net, run):
        self.net = net
        self.run = run

    def step(self, indexes, following):
        data = self.run.training_data
        self.net.update_mini_batch([data[i] for i in indexes],
                                   self.run.step_size)

    def store(self):
        pass

    def snapshot(self):
        return None

    def restore(self, snapshot):
        pass

    def finite(self):
        return True

    def labels(self):
        return labels_of(self.run.test_data)

    def predictions(self):
        return self.net.predictions(self.run.test_data)


def _train_epoch(net, trainer, run):
    """Shuffle, cut into mini-batches and train each: one epoch."""
    n = len(run.training_data)
    size = run.mini_batch_size
    order = net.epoch_order(n)   # random.shuffle(training_data)
    mini_batches = [order[start:start + size] for start in range(0, n, size)]
    done = 0
    try:
        for indexes, following in zip(mini_batches,
                                      mini_batches[1:] + [None]):
            trainer.step(indexes, following)
            done += len(indexes)
            if run.on_progress is not None:
                run.on_progress(done, n)
    finally:
        trainer.store()


def fall_back(net, trainer, rewind, run):
    """Rewind ``net`` to the start of an epoch; return the reference's
    trainer to train it again and the rest.

    A fast engine's promise of the reference's bits holds only while every
    parameter is finite (``purenn.engines`` says why), and a non-finite
    parameter never becomes finite again: so an epoch that ends with one
    is redone from its start by the reference.
    """
    trainer.restore(rewind.params)
    net.set_shuffle_state(rewind.shuffle_state)
    net.last_engine = "reference"   # what ran last (purenn.engines.sgd)
    return ReferenceTrainer(net, run)


def run_epochs(net, trainer, run):
    """Train ``net`` for ``run.epochs`` epochs with ``trainer``; return the
    history.

    Each epoch shuffles (``net.epoch_order``), trains its mini-batches,
    stores the parameters in ``net``, and with test data counts the right
    answers.  The result ``{"epoch", "correct", "total"}`` (None without
    test data) is appended to the history, then passed to ``on_epoch``.
    ``on_progress(done, n)`` is called after every mini-batch.  An
    exception from either (KeyboardInterrupt, say) leaves ``net`` with the
    parameters of the last finished mini-batch.
    """
    history = []
    labels = None if run.test_data is None else trainer.labels()
    for epoch in range(run.epochs):
        rewind = Rewind(epoch, net.shuffle_state(), trainer.snapshot())
        _train_epoch(net, trainer, run)
        if not trainer.finite():
            trainer = fall_back(net, trainer, rewind, run)
            _train_epoch(net, trainer, run)
        result = {"epoch": epoch, "correct": None, "total": None}
        if labels is not None:
            result["correct"] = score(trainer.predictions(), labels)
            result["total"] = len(labels)
        history.append(result)
        if run.on_epoch is not None:
            run.on_epoch(result)
    return history
