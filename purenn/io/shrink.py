"""Shrinking a picture by box averages as its rows arrive.

``purenn.io.images`` reads PNG and PGM files through a ``Shrinker`` so that
no whole-picture list of values exists for a large file: only the block
rows still open are held, and the working picture is at most ``side``
pixels on its longer side.

>>> shrinker = Shrinker(4, 2, scale=1, side=2)
>>> shrinker.add(0, [0, 2, 4, 6])
>>> shrinker.add(1, [2, 4, 6, 8])
>>> shrinker.finish()
[[2.0, 6.0]]
"""

__all__ = ["Shrinker"]


class Shrinker(object):
    """Box-average a picture to at most ``side`` pixels a side, row by row.

    ``scale``: the values are ints, brightness times scale.  A working pixel
    is the mean of a factor x factor block (smaller at the right and bottom
    edges).  Sums stay ints and each working pixel is one division, so its
    float is the correctly rounded value of an exact ratio: the order in
    which rows arrive (Adam7) and the file's bit depth cannot change it.
    Only the block rows still open are held (all of them for Adam7).
    """

    def __init__(self, width, height, scale, interlaced=False, side=1024):
        factor = -(-max(width, height) // side)
        self.factor = factor
        self.width, self.height = -(-width // factor), -(-height // factor)
        self._source = (width, height)
        self._scale = scale
        self._interlaced = interlaced
        self._sums = [None] * self.height
        self.rows = [None] * self.height
        self._spans = {}

    def _spans_for(self, x0, dx, count):
        """(block column, first, stop) slices of a row whose ``count``
        values sit at columns x0, x0 + dx, ..."""
        key = (x0, dx, count)
        if key not in self._spans:
            factor, width = self.factor, self._source[0]
            spans = []
            for j in range(self.width):
                start, stop = j * factor, min((j + 1) * factor, width)
                first = max(0, -(-(start - x0) // dx))
                after = min(count, -(-(stop - x0) // dx))
                if first < after:
                    spans.append((j, first, after))
            self._spans[key] = spans
        return self._spans[key]

    def add(self, y, values, x0=0, dx=1):
        """Add picture row ``y``'s values at columns x0, x0 + dx, ..."""
        if self.factor == 1 and not self._interlaced:
            scale = self._scale
            self.rows[y] = [value / scale for value in values]
            return
        i = y // self.factor
        sums = self._sums[i]
        if sums is None:
            sums = self._sums[i] = [0] * self.width
        for j, first, after in self._spans_for(x0, dx, len(values)):
            sums[j] += sum(values[first:after])
        if not self._interlaced and (y + 1) % self.factor == 0:
            self._close(i)

    def _close(self, i):
        factor = self.factor
        width, height = self._source
        rows_in = min((i + 1) * factor, height) - i * factor
        sums, self._sums[i] = self._sums[i], None
        self.rows[i] = [total / (self._scale * rows_in
                                 * (min((j + 1) * factor, width) - j * factor))
                        for j, total in enumerate(sums)]

    def finish(self):
        """Return the working picture: rows of brightness in [0, 1]."""
        for i in range(self.height):
            if self.rows[i] is None:
                self._close(i)
        return self.rows

    def describe(self):
        if self.factor == 1:
            return ""
        return ", box-averaged {0}x{0} to {1}x{2}".format(
            self.factor, self.width, self.height)
