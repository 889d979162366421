"""A hand-written SVG line chart: no plotting library, just text.

``line_chart(xs, ys, title, x_label, y_label)`` returns an SVG 1.1 document
(a str) with a title, both axes with tick marks and numbers, the axis
labels, a polyline through the points and a dot on each.  Any text is
XML-escaped, so a title such as ``a < b & c`` is safe.  The document opens
in any browser.

Coordinates are written with ``"{:.2f}"``: the same text on every Python.
It lives in ``purenn.drawing``, not ``purenn.io``: it returns text and
writes no file (``purenn plot`` saves it atomically through
``purenn.io.fileio``).

>>> text = line_chart([0, 1, 2], [90.0, 93.5, 94.0], "Accuracy", "epoch",
...                   "accuracy (%)")
>>> text.startswith('<?xml version="1.0"')
True
>>> nice_ticks(90.0, 94.0)
[90.0, 91.0, 92.0, 93.0, 94.0]
"""
import math
from decimal import Decimal
import re
from xml.sax.saxutils import escape as _xml_escape, quoteattr

# Characters XML 1.0 forbids anywhere, even escaped: C0 controls but tab,
# newline and carriage return; lone surrogates; U+FFFE and U+FFFF.  A title
# typed as $'a\x01b' would make the SVG not well-formed; each becomes
# U+FFFD (the replacement character), which shows that something was there.
_NOT_XML = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text):
    """XML-escape ``text`` for an element, replacing what XML forbids.

    >>> escape("a < b\x01") == "a &lt; b\ufffd"
    True
    """
    return _xml_escape(_NOT_XML.sub(u"\ufffd", text))

__all__ = ["line_chart", "nice_ticks"]


def _nice_step(span, count):
    """Return a step of 1, 2 or 5 times a power of ten, giving ~count ticks."""
    raw = span / count
    # floor(log10(raw)) and 10^k exactly, with decimal (the C library's
    # log10 and pow are not the same on every platform)
    power = float(Decimal(1).scaleb(_decade(raw)))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power   # not reached: factor 10 always suffices


def _decade(value):
    """Return floor(log10(value)) for a finite value > 0, exactly."""
    return Decimal(value).adjusted()


def nice_ticks(low, high, count=5):
    """Return round tick values covering ``low``..``high`` (about ``count``).

    >>> nice_ticks(0, 1)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    >>> nice_ticks(3, 3)
    [2.0, 2.5, 3.0, 3.5, 4.0]
    """
    if high < low:
        low, high = high, low
    if high == low:
        low, high = low - 1, high + 1
    step = _nice_step(high - low, count)
    first = math.floor(low / step)
    last = math.ceil(high / step)
    # Multiply integer counts by the step (never add steps up): no drift.
    return [round(index * step, 10) for index in range(first, last + 1)]


def _format_tick(value, step):
    if step >= 1 and value == int(value):
        return str(int(value))
    decimals = max(0, -_decade(step))
    return "{:.{}f}".format(value, decimals)


def line_chart(xs, ys, title, x_label, y_label, width=640, height=400):
    """Return an SVG document drawing the points (xs[i], ys[i]) joined up.

    ``xs`` and ``ys`` are equal-length sequences of finite numbers (at least
    one point).  Raise ValueError otherwise.
    """
    xs, ys = list(xs), list(ys)
    if len(xs) != len(ys):
        raise ValueError("line_chart: {} x values but {} y values".format(
            len(xs), len(ys)))
    if not xs:
        raise ValueError("line_chart: no points to draw")
    for value in xs + ys:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise ValueError("line_chart: expected finite numbers, got "
                             "{!r}".format(value))
    left, right, top, bottom = 70, 20, 40, 55
    plot_width = width - left - right
    plot_height = height - top - bottom
    x_ticks = nice_ticks(min(xs), max(xs), count=min(10, max(1, len(xs))))
    y_ticks = nice_ticks(min(ys), max(ys))
    x_low, x_high = x_ticks[0], x_ticks[-1]
    y_low, y_high = y_ticks[0], y_ticks[-1]

    def px(x):
        return left + (x - x_low) / (x_high - x_low) * plot_width

    def py(y):
        return top + plot_height - (y - y_low) / (y_high - y_low) * plot_height

    def num(value):
        return "{:.2f}".format(value)

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
           'width="{0}" height="{1}" viewBox="0 0 {0} {1}" '
           'font-family="sans-serif" font-size="12">'.format(width, height),
           '<title>{}</title>'.format(escape(title)),
           '<rect x="0" y="0" width="{}" height="{}" fill="white"/>'.format(
               width, height),
           '<text x="{}" y="24" text-anchor="middle" font-size="16">{}</text>'
           .format(num(width / 2), escape(title))]
    x_step = x_ticks[1] - x_ticks[0] if len(x_ticks) > 1 else 1
    y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1
    for y in y_ticks:
        out.append('<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#ddd"/>'
                   .format(left, num(py(y)), left + plot_width))
        out.append('<text x="{}" y="{}" text-anchor="end">{}</text>'.format(
            left - 6, num(py(y) + 4), escape(_format_tick(y, y_step))))
    for x in x_ticks:
        out.append('<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="black"/>'
                   .format(num(px(x)), top + plot_height,
                           top + plot_height + 5))
        out.append('<text x="{}" y="{}" text-anchor="middle">{}</text>'.format(
            num(px(x)), top + plot_height + 18,
            escape(_format_tick(x, x_step))))
    out.append('<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="black"/>'
               .format(left, top, top + plot_height))
    out.append('<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="black"/>'
               .format(left, top + plot_height, left + plot_width))
    out.append('<text x="{}" y="{}" text-anchor="middle">{}</text>'.format(
        num(left + plot_width / 2), height - 12, escape(x_label)))
    out.append('<text x="16" y="{0}" text-anchor="middle" '
               'transform="rotate(-90 16 {0})">{1}</text>'.format(
                   num(top + plot_height / 2), escape(y_label)))
    points = " ".join("{},{}".format(num(px(x)), num(py(y)))
                      for x, y in zip(xs, ys))
    out.append('<polyline points={} fill="none" stroke="#1f5fbf" '
               'stroke-width="2"/>'.format(quoteattr(points)))
    for x, y in zip(xs, ys):
        out.append('<circle cx="{}" cy="{}" r="3" fill="#1f5fbf">'
                   '<title>{}</title></circle>'.format(
                       num(px(x)), num(py(y)),
                       escape("{}: {}".format(x, y))))
    out.append('</svg>')
    return "\n".join(out) + "\n"
