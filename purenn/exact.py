"""Correctly rounded exp and log, and the N(0, 1) draws built on them.

The platform's exp and log (what the ``math`` module calls) are not the
same function on every CPU, C library and language (glibc alone has two exp
code paths and picks one by CPU), so a bit that came from them would make
purenn's numbers one machine's numbers.  This module computes them from
IEEE-754 +, -, *, / and sqrt and Python's exact integers only: ``exp(x)``
and ``log(x)`` are e^x and ln x *rounded to the nearest double, ties to
even*, for every double x.  That result is unique, so any correct implementation, in any language,
returns the same bits.  No libm function is called, not even as a first
guess.

>>> exp(0.0)
1.0
>>> exp(-1000.0), exp(1000.0)
(0.0, inf)
>>> log(1.0)
0.0
>>> exp(1.0) == 2.718281828459045    # e rounded to nearest
True

How exp works (the bounds are proved in the comments at each step):

* a fast path in double arithmetic for |x| <= 708 (all of sigmoid's
  ordinary range): x = (1024 M + j) ln2/1024 + r with Cody and Waite's
  two-part ln2/1024, so |r| < 2^-11.5; a 1024-entry table of 2^(j/1024) as
  (hi, lo) pairs computed exactly at import from integers; a degree-5 Taylor
  polynomial for e^r - 1.  It yields yh + yl with |yh + yl - e^x/2^M| below
  2^-61.75 (so E = 2^-61 is used), and returns yh * 2^M only when yl is
  farther than E from half an ulp of yh, i.e. when every value within the
  bound rounds to yh.  Otherwise (about 0.4% of arguments) it falls back to:
* the slow path: exact integer fixed-point arithmetic with a rigorous
  error bound in units of the last place, precision doubled until both ends
  of the error interval round to the same double.  e^x is transcendental for
  every rational x != 0 (Lindemann), so it is never exactly a midpoint
  between two doubles and the loop always ends.

``log`` (used once per pair of normal draws, never in training) is the slow
path alone, with the same rounding decision.

``normal_draws(rng)`` yields N(0, 1) draws by Marsaglia's polar method from
``rng.random()`` (MT19937's integer-built doubles, the same on every
platform), IEEE +, -, *, /, sqrt and this module's ``log``: the same bits
everywhere (docs/spec.md spells out the recipe for a port).
"""
import math

__all__ = ["exp", "log", "exp_exact", "normal_draws"]

_ldexp = math.ldexp        # exact: only moves the exponent (no rounding here)
_sqrt = math.sqrt          # IEEE 754 requires sqrt correctly rounded


# -- exact integer helpers ---------------------------------------------------

def _to_double(n, e):
    """Return the double nearest to n * 2**e (ties to even; inf past the
    largest double, 0.0 or -0.0 below the smallest subnormal's half)."""
    if n == 0:
        return 0.0
    if n < 0:
        return -_to_double(-n, e)
    shift = n.bit_length() - 53
    if e + shift < -1074:           # subnormal: the last place is 2^-1074
        shift = -1074 - e
    if shift > 0:
        q, rest = n >> shift, n & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rest > half or (rest == half and q & 1):
            q += 1
        n, e = q, e + shift
    if n.bit_length() + e > 1024:
        return float("inf")
    return _ldexp(float(n), e)       # n < 2^54: float(n) is exact


def _decide(value, bound, e):
    """Return the double nearest to a positive number known to lie within
    [value - bound, value + bound] * 2**e, or None if that interval holds a
    rounding boundary (a midpoint between doubles, or a power of two where
    the spacing of the doubles changes), so that more precision is needed.

    Both ends round alike if the interval holds no midpoint; a number that
    is never exactly a midpoint (e^x, ln x) then rounds as both ends do.
    """
    low, high = value - bound, value + bound
    if low <= 0:
        return None
    bits = high.bit_length()
    if low.bit_length() != bits:
        return None
    shift = bits - 53
    if e + shift < -1074:
        shift = -1074 - e
    if shift <= 0:                  # fewer than 54 bits known: not enough
        return None
    half = 1 << (shift - 1)
    q = (low + half) >> shift
    if (high + half) >> shift != q:
        return None
    e += shift
    if q.bit_length() + e > 1024:
        return float("inf")
    return _ldexp(float(q), e)       # q <= 2^53: exact, and so is ldexp


def _isqrt(n):
    """Return floor(sqrt(n)) for an int n >= 0 (math.isqrt is 3.8+)."""
    if n == 0:
        return 0
    x = 1 << ((n.bit_length() + 1) // 2)     # >= sqrt(n)
    while True:
        y = (x + n // x) // 2
        if y >= x:
            return x
        x = y


_LN2_CACHE = [0, 0]     # [bits, floor(ln2 * 2^bits) - d with 0 <= d < 2]


def _ln2(bits):
    """Return ln2 * 2**bits within 2 units (below, never above)."""
    if _LN2_CACHE[0] < bits:
        # ln2 = 2 atanh(1/3) = sum over i >= 0 of 2 / ((2i+1) 3^(2i+1)).
        # Every term is floored (an error below 1 unit of 2^-(big) each,
        # fewer than big terms), then 16 guard bits are dropped: the result
        # is floor(ln2 * 2^b) minus 0 or 1.
        b = max(bits, 2 * _LN2_CACHE[0], 256)
        big = b + 16
        power = (2 << big) // 3
        total, i = 0, 0
        while power:
            total += power // (2 * i + 1)
            power //= 9
            i += 1
        _LN2_CACHE[:] = [b, total >> 16]
    b, value = _LN2_CACHE
    return value >> (b - bits)       # floor of a floor: still within 2 units


# -- exp: the slow path --------------------------------------------------------

def _exp_fixed(y, bits):
    """Return (v, bound): e^(y/2^bits) * 2^bits within bound, for |y/2^bits|
    <= 0.35, by Taylor's series.

    Each term is the previous one times |y|/2^bits (floored) and divided by
    i (floored): a fresh error below 2 units, plus the previous term's error
    times |y|/2^bits/i <= 0.35, so every term is within 2/0.65 < 3.1 units.
    The loop stops at the first term that floors to 0; the true terms left
    are then below (1 + 3.1) * (0.35 + 0.35^2 + ...) < 2.3 units in all.
    """
    negative = y < 0
    a = -y if negative else y
    one = 1 << bits
    total = one
    term = one
    i = 1
    while term:
        term = ((term * a) >> bits) // i
        if negative and i & 1:
            total -= term
        else:
            total += term
        i += 1
    return total, 4 * i + 3


def exp_exact(x):
    """Return e^x rounded to the nearest double (ties to even), by exact
    integer arithmetic only: the slow path, for every double ``x``.

    >>> exp_exact(1.0)
    2.718281828459045
    """
    x = float(x)
    if x != x:
        return x
    if x > 709.79:       # e^709.79 > 2^1024: past the largest double's half-ulp
        return float("inf")
    if x < -745.14:      # e^-745.14 < 2^-1075, half the smallest subnormal
        return 0.0
    if -5.551115123125783e-17 <= x <= 5.551115123125783e-17:
        # |x| <= 2^-54: e^x lies strictly between 1 - 2^-54 and 1 + 2^-53,
        # the midpoints next to 1.0 (e^x > 1 + x >= 1 - 2^-54, and
        # e^x - 1 < x + x^2 <= 2^-54 + 2^-108).  Also 0 and -0.
        return 1.0
    num, den = x.as_integer_ratio()          # den is a power of two
    # k = round(x / ln2) in doubles: any k will do, this one gives
    # |x - k ln2| <= ln2/2 + 2^-40 < 0.35; the bound below allows |k| <= 1075.
    k = int(round(x * 1.4426950408889634))
    bits = 96
    while True:
        g = bits + 16
        # y = x - k ln2 in units of 2^-g: floor(x 2^g) is below 1 unit off,
        # k * _ln2(g) below 2|k| units, so y is within 1 + 2|k| units.
        y = (num << g) // den - k * _ln2(g)
        value, bound = _exp_fixed(y, g)
        # e^(y') differs from e^y by at most e^0.36 < 1.5 times y's error
        bound += 3 * abs(k) + 2
        result = _decide(value, bound, k - g)
        if result is not None:
            return result
        bits *= 2
        assert bits < 1 << 16, "exp_exact: no decision for {!r}".format(x)


# -- exp: the fast path --------------------------------------------------------

def _make_exp():
    """Build the table and constants of the fast path, exactly, and return
    ``exp``.  Everything here comes from integers, so it is the same on every
    platform (the constants are checked in tests/test_exp.py)."""
    p = 180
    ln2 = _ln2(p + 16) >> 16             # within 2 units of 2^-180 (below)
    # ln2/1024 = L1 + L2: L1 keeps 32 significant bits (truncated), so
    # n * L1 is exact for |n| < 2^21; L2 is the rest, rounded to a double.
    # ln2/1024 lies in [2^-11, 2^-10): its 32 bits end at 2^-42.
    step = ln2 >> 10                      # ln2/1024 in units of 2^-180
    l1_int = step >> (180 - 42) << (180 - 42)
    l1 = _to_double(l1_int, -p)
    l2 = _to_double(step - l1_int, -p)   # |l2 - (ln2/1024 - L1)| <= 2^-95
    inv = _to_double((1024 << (2 * p)) // ln2, -p)   # 1024/ln2, any double
    c3, c4, c5 = 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0  # IEEE division: RN
    # 2^(1/1024): ten integer square roots of 2 (each floored: the error
    # stays below 2 units), then the powers 2^(j/1024) by repeated products
    # (each below 2 + j*3 units of 2^-180 off, < 2^-167 relative).
    root = 2 << p
    for _ in range(10):
        root = _isqrt(root << p)
    hi, lo = [], []
    power = 1 << p
    for j in range(1024):
        th = _to_double(power, -p)
        a, b = th.as_integer_ratio()
        hi.append(th)
        lo.append(_to_double(power - a * ((1 << p) // b), -p))
        power = (power * root) >> p
    # scale[M + 1023] = 2^M.  (Not Python's negative indexing for M < 0:
    # that is a branch taken half the time, and PyPy's JIT then compiles a
    # bridge per branch per inlined call, which made training 7x slower.)
    scale = [_ldexp(1.0, m) for m in range(-1023, 1023)]
    # The rounding test: accept yh when |yl| < h - E, h the half-spacing of
    # the doubles next to yh (2^-53 in (1, 2), 2^-54 at and below 1: the
    # smaller where the two sides differ) and E = 2^-61 >= the error bound.
    # For j >= 1, yh >= 2^(1/1024) e^-0.000339 > 1.0003 and yh <=
    # 2^(1023/1024) e^0.000339 < 1.9994, so h = 2^-53; for j = 0, yh is
    # within 0.00034 of 1, on either side: h = 2^-54.  half[j] is h - E.
    h_above = _ldexp(1.0, -53) - _ldexp(1.0, -61)     # exact
    half = [h_above] * 1024
    half[0] = _ldexp(1.0, -54) - _ldexp(1.0, -61)
    shifter = 6755399441055744.0          # 1.5 * 2^52

    def exp(x):
        """Return e^x rounded to the nearest double, ties to even.

        For every double: exp(nan) is nan, exp(inf) inf, exp(-inf) 0.0;
        results past the largest double are inf (never OverflowError), and
        subnormal results and underflow to 0.0 are rounded correctly too.

        >>> exp(0.0), exp(-0.0)
        (1.0, 1.0)
        >>> exp(710.0), exp(-746.0)
        (inf, 0.0)
        """
        if -708.0 <= x <= 708.0:          # False for nan
            # n = nearest integer to RN(x * inv) (adding 1.5*2^52 rounds to
            # an integer for |x inv| < 2^51).  |x inv - x 1024/ln2| <=
            # 708 * 2^-43 + 2^-33 < 2^-32, so |n| <= 1045944 < 2^20 and the
            # true reduced argument r' = x - n ln2/1024 has
            # |r'| <= (0.5 + 2^-32) ln2/1024 < 2^-11.5.
            nf = (x * inv + shifter) - shifter
            n = int(nf)
            # x - nf*l1 is exact: nf*l1 has <= 20 + 32 bits; if n != 0 then
            # |x| > 2^-12, so x and nf*l1 are multiples of 2^-64, and their
            # difference (< 2^-11) fits in 53 bits.  nf*l2 (< 2^-22) is off
            # by <= 2^-76 + 2^20 * 2^-95 < 2^-74.4 from n(ln2/1024 - l1), and
            # the subtraction rounds by <= 2^-65 (|r| < 2^-11):
            # |r - r'| <= 2^-65 + 2^-74.4.
            r = (x - nf * l1) - nf * l2
            # q = r^2/2 + r^3/6 + r^4/24 + r^5/120: |q| < 2^-24; Horner's
            # roundings (and c3, c4, c5's) stay below 2^-75, the truncated
            # series below |r|^6/720 * 1.001 < 2^-78.
            q = r * r * (0.5 + r * (c3 + r * (c4 + r * c5)))
            j = n & 1023
            th = hi[j]
            # low = th*p + tl with p = RN(r + q): p is within 2^-65
            # (rounding) + 2^-64.99 (r's error, times e^|r|) + 2^-74.8 of
            # e^r' - 1; th < 2.0007 makes that < 1.01 * 2^-63; RN(th*p) and
            # the RN of the sum (both < 2^-10) add <= 2^-64 each; tl stands
            # for tl*e^r' (|tl| <= 2^-53, |e^r' - 1| < 2^-11.49): < 2^-64.49;
            # the table is 2^(j/1024) within 2^-106.  So
            # |th + low - 2^(j/1024) e^r'| < 2^-63 (1.01 + 0.5 + 0.5 + 0.36
            # + 0.01) < 2^-61.75 < E = 2^-61.
            low = th * (r + q) + lo[j]
            yh = th + low
            yl = low - (yh - th)          # Fast2Sum (th >= |low|): exact
            # One test with one usual outcome (99.6% of calls), so that
            # PyPy's JIT has no branch to split on; yh * 2^M is exact, as
            # e^x >= e^-708 > 2^-1022 is normal.
            h = half[j]
            if -h < yl < h:
                return yh * scale[(n >> 10) + 1023]
            if j == 0 and yh > 1.0 and -h_above < yl < h_above:
                # (j = 0 and yh > 1: the half-spacing is 2^-53 after all)
                return yh * scale[(n >> 10) + 1023]
        return _slow(x)

    exp.table = (hi, lo)      # for tests/test_exp.py, which checks it
    return exp


def _slow(x):
    # the fallback of exp (a name looked up per call, so that tests can
    # count how often the fast path defers to it)
    return exp_exact(x)


exp = _make_exp()


# -- log ---------------------------------------------------------------------

def _log_fixed(num, den, bits):
    """Return (v, bound): ln(num/den) * 2^bits within bound, for num/den > 0
    (den a power of two; num/den != 1)."""
    # num/den = m * 2^e with m in [0.75, 1.5): ln = e ln2 + 2 atanh(t),
    # t = (m-1)/(m+1) in [-1/7, 1/5].
    e = num.bit_length() - den.bit_length()       # num/den in [2^(e-1), 2^(e+1))
    if e >= 0:
        den <<= e
    else:
        num <<= -e
    # now num/den in [0.5, 2)
    if 4 * num >= 6 * den:
        den <<= 1
        e += 1
    elif 4 * num < 3 * den:
        num <<= 1
        e -= 1
    # t within 1 unit (floor); atanh'(t) <= 1/(1 - 1/25), so ln is within
    # 2.1 units from that.  t2 = t^2 within 1.4 units, each power t^(2i+1)
    # within 3 units (error * t^2 <= 1/25 plus fresh roundings), each
    # quotient within 4; the tail after the first zero power is below 1 unit;
    # doubled: 8 per term plus 2.  e * ln2 within 2|e| units.
    t = ((num - den) << bits) // (num + den)
    t2 = (t * t) >> bits
    power = t
    total = 0
    i = 0
    negative = power < 0
    if negative:
        power = -power
    while power:
        total += power // (2 * i + 1)
        power = (power * t2) >> bits
        i += 1
    if negative:
        total = -total
    value = 2 * total + e * _ln2(bits)
    return value, 8 * i + 2 * abs(e) + 10


def log(x):
    """Return ln x rounded to the nearest double (ties to even).

    log(1.0) is 0.0, log(inf) inf, log(nan) nan; x <= 0 raises ValueError
    (as the math module's log does).  Exact integer arithmetic only: about
    4 microseconds a call on CPython 3.11.

    >>> log(1.0), log(0.5) == -0.6931471805599453
    (0.0, True)
    """
    x = float(x)
    if x != x or x == float("inf"):
        return x
    if x <= 0.0:
        raise ValueError("log: {!r} is not positive".format(x))
    if x == 1.0:
        return 0.0
    num, den = x.as_integer_ratio()
    # ln x is transcendental for rational x != 1 (Lindemann): never a
    # midpoint, so the loop ends.  |ln x| >= 2^-54 for doubles x != 1, so
    # 128 bits leave more than 70 significant ones.
    bits = 128
    while True:
        value, bound = _log_fixed(num, den, bits)
        if value < 0:
            result = _decide(-value, bound, -bits)
            if result is not None:
                return -result
        else:
            result = _decide(value, bound, -bits)
            if result is not None:
                return result
        bits *= 2
        assert bits < 1 << 16, "log: no decision for {!r}".format(x)


# -- N(0, 1) draws -----------------------------------------------------------

def normal_draws(rng):
    """Yield draws from N(0, 1) made with ``rng.random()`` alone.

    Marsaglia's polar method, in this exact order of IEEE operations (a
    port that follows it gets the same bits):

        u = 2.0 * rng.random() - 1.0;  v = 2.0 * rng.random() - 1.0
        s = u * u + v * v              # retry while s >= 1.0 or s == 0.0
        f = sqrt(-2.0 * log(s) / s)    # purenn's correctly rounded log
        yield u * f, then v * f

    ``rng.random()`` is MT19937's 53-bit double, built from integers, the
    same on every platform and Python.

    >>> import random
    >>> draw = normal_draws(random.Random(0))
    >>> [round(next(draw), 6) for _ in range(3)]
    [0.6202, 0.464498, -0.515297]
    """
    random = rng.random
    while True:
        u = 2.0 * random() - 1.0
        v = 2.0 * random() - 1.0
        s = u * u + v * v
        if 0.0 < s < 1.0:
            f = _sqrt(-2.0 * log(s) / s)
            yield u * f
            yield v * f
