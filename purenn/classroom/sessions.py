"""The classroom's sessions: each learner's own copy of the served network.

A session is what a learner changed: the steps taken and the neurons zeroed.
``SessionStore`` keeps up to ``max_sessions`` of them for a whole class:

- **Compact.** A session that changed nothing holds no weights at all (it
  reads the served model's).  Once changed, it keeps its weights and biases
  as ``array('d')``, one flat array per layer: 8 bytes a number, the same
  bits as the floats (a 784-30-10 copy is 23,860 numbers, 191 KB, where lists
  of float objects take about 1 MB).  The last step is kept too, for the
  neuron view: the weights before it (another 191 KB, or none when they were
  the served model's) and its small vectors; its dC/dw is not kept, since
  ``dc_dw[j][k] = dc_db[j] * a[k]`` is one product, recomputed bit for bit.
  So a session costs at most about 0.4 MB, and ``MAX_SESSIONS`` of them
  about 160 MB for 784-30-10 (measured: 200 sessions of one step each add
  53 MB to the server's RSS).
- **Bounded history.** ``steps`` is a count; ``zeroed`` is a set of
  (layer, neuron), so zeroing a neuron twice changes nothing.
- **Expiry.** A session idle for ``IDLE_SECONDS`` (2 hours) is dropped.  When
  the store is full, the session idle the longest goes first, but never one
  used in the last ``ACTIVE_SECONDS`` nor one a request is using now: then a
  new session is refused (``StoreFull``) instead.
- **One change at a time.** Each session has a ``lock``; the API holds it
  while it steps, zeroes or resets, so two requests to one session (two
  tabs, a double click) run one after the other and no step is lost.

>>> store = SessionStore(max_sessions=2)
>>> with store.create() as session:
...     session.steps += 1
>>> with store.use(session.name) as same:
...     same is session
True
>>> store.drop(session.name)
>>> store.use(session.name)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
purenn.classroom.sessions.SessionGone: session ... was reset
"""
import array
import collections
import threading
import time
import uuid

__all__ = ["MAX_SESSIONS", "IDLE_SECONDS", "ACTIVE_SECONDS", "SessionGone",
           "StoreFull", "Session", "SessionStore", "pack_matrices",
           "unpack_matrices"]

# A class of 60 with two tabs each is 120 sessions; 400 leave room for
# several classes in a day.  At about 0.4 MB each (see above) that is about
# 160 MB at most for 784-30-10.
MAX_SESSIONS = 400

# A lesson is shorter than two hours; a session idle that long is dropped.
IDLE_SECONDS = 2 * 60 * 60

# A session used in the last five minutes is a learner at work: it is never
# dropped to make room for a new one.
ACTIVE_SECONDS = 5 * 60

# How many dropped names are remembered, to say "expired" rather than
# "unknown" (about 100 bytes each).
_REMEMBERED = 4096


class SessionGone(LookupError):
    """The session does not exist (any more); the message is one line."""


class StoreFull(RuntimeError):
    """Every session is in use; the message is one line."""


def pack_matrices(matrices):
    """Return each J x K matrix of floats as a flat ``array('d')`` (rows
    one after another); None stays None.

    >>> pack_matrices([None, [[0.5, 1.0], [2.0, 0.25]]])
    [None, array('d', [0.5, 1.0, 2.0, 0.25])]
    """
    return [None if m is None else
            array.array("d", [value for row in m for value in row])
            for m in matrices]


def unpack_matrices(arrays, sizes):
    """Return ``pack_matrices``'s arrays as lists of rows again.

    ``sizes[l]`` is the number of columns of matrix l (K for weights, 1 for
    biases).  The floats are the same bits.

    >>> unpack_matrices([None, array.array("d", [0.5, 1.0, 2.0, 0.25])],
    ...                 [None, 2])
    [None, [[0.5, 1.0], [2.0, 0.25]]]
    """
    matrices = []
    for flat, width in zip(arrays, sizes):
        if flat is None:
            matrices.append(None)
            continue
        values = flat.tolist()
        matrices.append([values[start:start + width]
                         for start in range(0, len(values), width)])
    return matrices


class Session:
    """One learner's changes.

    ``w`` and ``b`` are None (the served model's) or packed per layer as
    ``pack_matrices`` makes them; ``steps`` counts the steps taken in them;
    ``zeroed`` is the set of (layer, neuron) zeroed; ``last_step`` is what
    the API keeps of the last step (None after a zero).  Change them only
    while holding ``lock``.
    """

    __slots__ = ("name", "lock", "w", "b", "steps", "zeroed", "last_step",
                 "last_used", "users")

    def __init__(self, name, now):
        self.name = name
        self.lock = threading.Lock()
        self.w = None
        self.b = None
        self.steps = 0
        self.zeroed = set()
        self.last_step = None
        self.last_used = now
        self.users = 0


class SessionStore:
    """Sessions by name, bounded in number and idle time (see the module).

    ``clock`` (default ``time.monotonic``) is there for the tests.  All
    methods are safe to call from many threads.
    """

    def __init__(self, max_sessions=MAX_SESSIONS, idle_seconds=IDLE_SECONDS,
                 active_seconds=ACTIVE_SECONDS, clock=time.monotonic):
        if max_sessions < 1:
            raise ValueError("max_sessions: expected 1 or more, got "
                             "{}".format(max_sessions))
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.active_seconds = min(active_seconds, idle_seconds)
        self.clock = clock
        self._lock = threading.Lock()
        self._sessions = collections.OrderedDict()   # least recently used first
        self._gone = collections.OrderedDict()       # name -> why

    def __len__(self):
        with self._lock:
            return len(self._sessions)

    def _forget(self, name, why):
        del self._sessions[name]
        self._gone[name] = why
        while len(self._gone) > _REMEMBERED:
            self._gone.popitem(last=False)

    def _expire(self, now):
        # Oldest first: stop at the first one that is not idle long enough.
        while self._sessions:
            name, session = next(iter(self._sessions.items()))
            if session.users or now - session.last_used < self.idle_seconds:
                return
            self._forget(name, "expired after {} idle".format(
                _duration(self.idle_seconds)))

    def create(self):
        """Make an empty session; return it held in use, as ``use`` does
        (``with store.create() as session``; ``session.name`` names it).

        Raises StoreFull when the store is full of sessions in use.
        """
        now = self.clock()
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= self.max_sessions:
                for name, session in self._sessions.items():
                    if session.users == 0 and \
                            now - session.last_used >= self.active_seconds:
                        self._forget(name, "was dropped to make room "
                                     "after {} idle".format(_duration(
                                         now - session.last_used)))
                        break
                else:
                    raise StoreFull(
                        "all {} sessions are in use (each used in the last "
                        "{}): try again in a few minutes".format(
                            self.max_sessions, _duration(self.active_seconds)))
            name = uuid.uuid4().hex
            session = Session(name, now)
            session.users = 1
            self._sessions[name] = session
        return _InUse(self, session)

    def use(self, name):
        """Return a context manager holding session ``name`` in use.

        While it is held the session is never dropped; leaving it marks the
        session as used now.  Raises SessionGone for an unknown, reset or
        expired name.
        """
        now = self.clock()
        with self._lock:
            self._expire(now)
            session = self._sessions.get(name) \
                if isinstance(name, str) else None
            if session is None:
                why = self._gone.get(name) if isinstance(name, str) else None
                raise SessionGone("session {} {}".format(
                    _short(name), why or "is unknown"))
            self._sessions.move_to_end(name)
            session.users += 1
            session.last_used = now
        return _InUse(self, session)

    def _release(self, session):
        with self._lock:
            session.users -= 1
            session.last_used = self.clock()

    def drop(self, name):
        """Forget session ``name`` (a reset); unknown names are ignored."""
        with self._lock:
            if isinstance(name, str) and name in self._sessions:
                self._forget(name, "was reset")

    def stats(self):
        """Return a dict: ``sessions``, ``changed`` (those holding weights)
        and ``bytes`` (what their arrays hold)."""
        with self._lock:
            sessions = list(self._sessions.values())
        total, changed = 0, 0
        for session in sessions:
            arrays = [session.w, session.b]
            if session.last_step is not None:
                arrays += [session.last_step.get("w"),
                           session.last_step.get("b")]
            held = [a for group in arrays if group for a in group
                    if a is not None]
            changed += session.w is not None
            total += sum(a.itemsize * len(a) for a in held)
        return {"sessions": len(sessions), "changed": changed, "bytes": total}


class _InUse:
    """``with store.use(name) as session``: see ``SessionStore.use``."""

    __slots__ = ("store", "session")

    def __init__(self, store, session):
        self.store = store
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, *exc):
        self.store._release(self.session)
        return False


def _short(value):
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 3600 and seconds % 3600 == 0:
        return "{} h".format(seconds // 3600)
    if seconds >= 60:
        return "{} min".format(seconds // 60)
    return "{} s".format(seconds)
