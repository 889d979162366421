"""A small training run in a background thread, for ``purenn serve --train``.

``Training(train, test, ...)`` trains a fresh network with
``purenn.engines.sgd`` -- network.py's SGD order and the reference's bits at
an engine's speed -- and keeps a snapshot of its progress that the page
reads at ``GET /api/train``: the epoch, the examples done, each epoch's
score and the seconds so far.

>>> run = Training([([0.5], [1.0])] * 2, [([0.5], 0)], layers=(1, 2, 1),
...                epochs=1, mini_batch_size=1)
>>> run.status()["running"], run.status()["train_size"]
(False, 2)
"""
import threading
import time

from purenn.network import Network

__all__ = ["Training"]


class _Stopped(Exception):
    """Raised from the progress callback to end a run early."""


class Training:
    """A small training run in a background thread, for the page to watch.

    Trains ``Network(layers, seed=seed)`` on ``train`` (``(x, y)`` pairs or
    an MNIST Dataset) with ``purenn.engines.sgd`` -- network.py's SGD, the
    reference's bits -- and scores it on ``test`` after each epoch.
    ``step_size`` is the rate (``eta`` is the old name, still accepted).
    ``status()`` is a snapshot that is safe to read from any thread (its
    ``step_size`` is also given as ``eta``, for pages written before the
    rate had one name); ``stop()`` ends the run after the current
    mini-batch.
    """

    def __init__(self, train, test, layers=(784, 30, 10), epochs=5,
                 mini_batch_size=10, step_size=3.0, seed=0, eta=None):
        if eta is not None:
            step_size = eta
        self.train = train
        self.test = test
        self.net = Network(list(layers), seed=seed)
        self.epochs = epochs
        self.mini_batch_size = mini_batch_size
        self.step_size = step_size
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._state = {"layers": list(layers), "epochs": epochs,
                       "mini_batch_size": mini_batch_size,
                       "step_size": step_size, "eta": step_size,
                       "seed": seed, "train_size": len(train),
                       "test_size": len(test), "epoch": 0, "done": 0,
                       "history": [], "running": False, "finished": False,
                       "seconds": 0.0}
        self._thread = threading.Thread(target=self._run, name="training")
        self._thread.daemon = True

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        self._thread.join(timeout)

    def status(self):
        with self._lock:
            state = dict(self._state)
            state["history"] = list(self._state["history"])
            return state

    def _update(self, **changes):
        with self._lock:
            self._state.update(changes)

    def _run(self):
        from purenn import engines
        started = time.time()
        self._update(running=True)

        def progress(done, total):
            if self._stop.is_set():
                raise _Stopped()
            self._update(done=done, seconds=time.time() - started)

        def epoch_done(result):
            with self._lock:
                self._state["history"].append(dict(result))
                self._state["epoch"] = result["epoch"] + 1
                self._state["seconds"] = time.time() - started

        try:
            engines.sgd(self.net, self.train, self.epochs,
                        self.mini_batch_size, self.step_size,
                        test_data=self.test, on_epoch=epoch_done,
                        on_progress=progress)
        except _Stopped:
            self._update(running=False)
            return
        self._update(running=False, finished=True,
                     epoch=self.epochs - 1)
