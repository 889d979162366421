"""Sessions for a class: bounded, expiring, compact, one change at a time.

The store is tested with a fake clock; the API's sessions against the
reference ``Network`` taking the same steps one after the other.
"""
import array
import concurrent.futures
import json
import random

import pytest

from purenn import network
from purenn.classroom import api, serve, sessions, trace
from support import assert_same_bits, serving, tracemalloc


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _net():
    return network.Network([784, 6, 10], seed=3)


def _x(seed):
    rng = random.Random(seed)
    return [rng.random() for _ in range(784)]


# -- the store ---------------------------------------------------------------

def test_pack_and_unpack_keep_every_bit():
    net = network.Network([5, 3, 2], seed=1)
    packed = sessions.pack_matrices(net.w)
    assert packed[0] is None and isinstance(packed[1], array.array)
    assert sessions.unpack_matrices(packed, [None, 5, 3]) == net.w
    # -0.0, subnormals, the extremes stay themselves.
    odd = [[-0.0, 5e-324, 1.7976931348623157e308, 0.1]]
    again = sessions.unpack_matrices(sessions.pack_matrices([odd]), [4])
    assert_same_bits(again[0], odd)


def test_idle_sessions_expire_and_say_so():
    clock = Clock()
    store = sessions.SessionStore(max_sessions=4, idle_seconds=7200,
                                  clock=clock)
    with store.create() as session:
        name = session.name
    clock.now += 7199
    with store.use(name):
        pass
    clock.now += 7200
    with pytest.raises(sessions.SessionGone, match="expired after 2 h idle"):
        store.use(name)
    assert len(store) == 0
    with pytest.raises(sessions.SessionGone, match="is unknown"):
        store.use("0" * 32)
    with pytest.raises(sessions.SessionGone, match="is unknown"):
        store.use(12)


def test_when_full_the_oldest_idle_goes_never_an_active_one():
    clock = Clock()
    store = sessions.SessionStore(max_sessions=3, active_seconds=300,
                                  clock=clock)
    names = []
    for _ in range(3):
        with store.create() as session:
            names.append(session.name)
        clock.now += 400
    # names[0] is the oldest idle, but used just now: names[1] goes instead.
    with store.use(names[0]):
        pass
    with store.create() as session:
        names.append(session.name)
    with pytest.raises(sessions.SessionGone, match="dropped to make room"):
        store.use(names[1])
    for name in (names[0], names[2], names[3]):
        with store.use(name):
            pass
    # All three used within ACTIVE_SECONDS: a fourth is refused, not made
    # by dropping a learner at work.
    with pytest.raises(sessions.StoreFull, match="all 3 sessions are in use"):
        store.create()
    # A session in a request is never dropped, however long it takes.
    clock.now += 3600
    held = [store.use(name) for name in (names[0], names[2], names[3])]
    with pytest.raises(sessions.StoreFull, match="all 3 sessions are in use"):
        store.create()
    for h in held:
        h.__exit__(None, None, None)


def test_two_hundred_sessions_fit_and_their_memory_is_bounded():
    room = api.Classroom(network.Network([784, 30, 10], seed=0))
    x = _x(1)
    for _ in range(200):
        room.step({"x": x, "label": 3})
    stats = room.sessions.stats()
    assert stats["sessions"] == stats["changed"] == 200
    # Each first step keeps the new weights (23,860 numbers, 191 KB); the
    # weights before it are the served model's, not copied.
    assert stats["bytes"] == 200 * 23860 * 8
    # A second step keeps the weights before it too: 382 KB.
    name = room.step({"x": x, "label": 3})["session"]
    room.step({"x": x, "label": 3, "session": name})
    assert room.sessions.stats()["bytes"] == 202 * 23860 * 8
    # Everything else a session keeps is small: tracemalloc counts what ten
    # more sessions of two steps each hold, under 0.45 MB each.
    if tracemalloc is None:
        return      # PyPy has no tracemalloc
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            name = room.step({"x": x, "label": 3})["session"]
            room.step({"x": x, "label": 3, "session": name})
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 10 * 0.45 * 2 ** 20, held


# -- the API -----------------------------------------------------------------

def test_zeroing_a_neuron_twice_changes_nothing():
    room = api.Classroom(_net())
    first = room.zero({"layer": 1, "neuron": 2})
    name = first["session"]
    with room.sessions.use(name) as session:
        weights = session.w
    again = room.zero({"layer": 1, "neuron": 2, "session": name})
    assert again["zeroed"] == first["zeroed"] == [[1, 2]]
    with room.sessions.use(name) as session:
        assert session.w is weights          # not even a new copy
    for _ in range(50):
        answer = room.zero({"layer": 1, "neuron": 2, "session": name})
    assert answer["zeroed"] == [[1, 2]]
    answer = room.zero({"layer": 2, "neuron": 0, "session": name})
    assert answer["zeroed"] == [[1, 2], [2, 0]]


def test_a_step_after_zeroing_and_zeroing_again():
    room = api.Classroom(_net())
    x = _x(2)
    name = room.zero({"layer": 1, "neuron": 1})["session"]
    room.step({"x": x, "label": 4, "session": name})
    room.zero({"layer": 1, "neuron": 1, "session": name})
    expected = _net()
    expected.w[1] = [list(r) for r in expected.w[1]]
    expected.w[1][1] = [0.0] * 784
    expected.feed_forward(x)
    expected.propagate_backward(4, 3.0)
    expected.w[1][1] = [0.0] * 784
    answer = room.predict({"x": x, "session": name})
    assert_same_bits(answer["outputs"], expected.output(x))


def test_the_neuron_view_of_a_kept_step_is_the_step():
    # The session keeps the step compactly and recomputes dC/dw: the answer
    # is the same as with the step's whole record.
    room = api.Classroom(_net())
    x = _x(3)
    name = room.step({"x": x, "label": 5})["session"]
    second = room.step({"x": x, "label": 5, "session": name})
    assert second["steps"] == 2
    answer = room.neuron({"x": x, "layer": 1, "neuron": 3, "top": 784,
                          "session": name})
    net = _net()
    net.feed_forward(x)
    net.propagate_backward(5, 3.0)
    step = trace.take_step(net, x, 5, 3.0)
    expected = api.neuron_step(step, 1, 3, [t["k"] for t in answer["terms"]],
                               True)
    assert answer["step"] == expected


@pytest.mark.parametrize("requests", [50])
def test_concurrent_steps_in_one_session_lose_nothing(requests):
    room = api.Classroom(_net())
    httpd = serve.make_server(room, "127.0.0.1", 0)
    with serving(httpd):
        x = _x(4)
        name = _post(httpd, "/api/step", {"x": x, "label": 7})["session"]
        body = {"x": x, "label": 7, "step_size": 0.5, "session": name}
        with concurrent.futures.ThreadPoolExecutor(requests) as pool:
            answers = list(pool.map(
                lambda _: _post(httpd, "/api/step", body), range(requests)))
        # Each answer has its own count: 2 .. requests + 1, once each.
        assert sorted(a["steps"] for a in answers) == list(
            range(2, requests + 2))
        expected = _net()
        expected.feed_forward(x)
        expected.propagate_backward(7, 3.0)
        for _ in range(requests):
            expected.feed_forward(x)
            expected.propagate_backward(7, 0.5)
        answer = _post(httpd, "/api/predict", {"x": x, "session": name})
        assert_same_bits(answer["outputs"], expected.output(x))
        with room.sessions.use(name) as session:
            assert session.steps == requests + 1
            assert_same_bits(
                sessions.unpack_matrices(session.w, [None, 784, 6]),
                expected.w)


def test_an_expired_session_says_so_in_one_line():
    room = api.Classroom(_net(), idle_seconds=60)
    clock = Clock()
    room.sessions.clock = clock
    name = room.zero({"layer": 1, "neuron": 0})["session"]
    clock.now += 61
    with pytest.raises(api.ApiError,
                       match="expired after 1 min idle") as caught:
        room.predict({"x": _x(5), "session": name})
    assert caught.value.status == 404
    message = str(caught.value)
    assert "\n" not in message
    assert message == ("session {} expired after 1 min idle: reload the page "
                       "to rebuild your copy from its URL, or press "
                       "Reset".format(name))
    # Reset of an expired session is fine, and a new one can be made.
    assert room.reset({"session": name}) == {"session": None}
    assert room.zero({"layer": 1, "neuron": 0})["session"] != name


def _post(httpd, path, body):
    import http.client
    host, port = httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("POST", path, json.dumps(body),
                           {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        assert response.status == 200, data
        return json.loads(data.decode("utf-8"))
    finally:
        connection.close()
