"""MNIST examples in memory: ``Dataset``, compact, and one image as text art.

``purenn.io.mnist`` reads the IDX files into a Dataset; this module holds
what the loaded data is and how ``purenn show`` draws one image.  Every
public name is importable from ``purenn.io.mnist`` too.

>>> data = Dataset(bytes([0, 255, 255, 0]), bytes([7]), rows=2, cols=2)
>>> data[0]
([0.0, 1.0, 1.0, 0.0], 7)
>>> render_text(data.pixels(0), rows=2, cols=2).splitlines()
['  @@', '@@  ']
"""
import collections.abc
import operator

__all__ = ["Dataset", "MnistError", "ROWS", "COLS", "SHADES", "render_text"]

ROWS = COLS = 28


# _SCALE[v] is the float v/255: one shared object per pixel value.
_SCALE = tuple(value / 255 for value in range(256))

# Text-art shades from blank (0) to darkest (255): 10 levels of ~25.6 each.
SHADES = " .:-=+*#%@"


class MnistError(ValueError):
    """A valid IDX file that does not hold what MNIST must hold."""


class Dataset(collections.abc.Sequence):
    """A read-only sequence of MNIST examples ``(x, y)``.

    ``images`` is one ``bytes`` of ``len(self) * rows * cols`` pixels, image
    after image, each row-major, 0..255; ``labels`` is one ``bytes`` of the
    labels 0..9.  ``self[i]`` is ``(x, y)``: x a new list of rows*cols floats
    value/255 (shared float objects), y the int label.  Negative indexes work
    as for lists; a slice returns a Dataset.

    >>> data = Dataset(bytes([0, 255, 255, 0, 51, 0, 0, 0]), bytes([3, 1]),
    ...                rows=2, cols=2)
    >>> data[-1]
    ([0.2, 0.0, 0.0, 0.0], 1)
    >>> data[:1].labels, data.pixels(0)
    (b'\\x03', b'\\x00\\xff\\xff\\x00')
    """

    __slots__ = ("images", "labels", "rows", "cols", "_size")

    def __init__(self, images, labels, rows=ROWS, cols=COLS):
        if not isinstance(images, bytes) or not isinstance(labels, bytes):
            raise TypeError("Dataset: images and labels must be bytes, got "
                            "{} and {}".format(type(images).__name__,
                                               type(labels).__name__))
        if len(images) != len(labels) * rows * cols:
            raise MnistError(
                "Dataset: {} labels need {} pixel bytes of {}x{} images, "
                "got {}".format(len(labels), len(labels) * rows * cols, rows,
                                cols, len(images)))
        self.images = images
        self.labels = labels
        self.rows = rows
        self.cols = cols
        self._size = rows * cols

    def __len__(self):
        return len(self.labels)

    def _index(self, i):
        n = len(self.labels)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("Dataset index out of range: {} examples"
                             .format(n))
        return i

    def __getitem__(self, i):
        if isinstance(i, slice):
            chosen = range(len(self.labels))[i]
            size = self._size
            if chosen.step == 1:
                images = self.images[chosen.start * size:chosen.stop * size]
                labels = self.labels[chosen.start:chosen.stop]
            else:
                images = b"".join(self.images[j * size:(j + 1) * size]
                                  for j in chosen)
                labels = bytes(self.labels[j] for j in chosen)
            return Dataset(images, labels, self.rows, self.cols)
        i = self._index(operator.index(i))
        start = i * self._size
        x = [_SCALE[value] for value in self.images[start:start + self._size]]
        return x, self.labels[i]

    def pixels(self, i):
        """Return the raw rows*cols pixel bytes of image ``i``."""
        start = self._index(operator.index(i)) * self._size
        return self.images[start:start + self._size]

    def __repr__(self):
        return "Dataset({} examples of {}x{})".format(len(self), self.rows,
                                                      self.cols)


def render_text(pixels, rows=ROWS, cols=COLS):
    """Return an image as text art: one line per row, two characters a pixel.

    ``pixels`` is a sequence of rows*cols ints 0..255 (e.g. the ``bytes`` of
    ``Dataset.pixels``), row-major.  A pixel v is drawn as SHADES[v*10//256]
    twice, so the picture looks about square in a terminal.  Lines are not
    stripped: every line is 2*cols characters.

    >>> print(render_text(bytes([0, 128, 255, 26]), rows=2, cols=2))
      ++
    @@..
    """
    if len(pixels) != rows * cols:
        raise ValueError("render_text: {} pixels, expected {}x{} = {}"
                         .format(len(pixels), rows, cols, rows * cols))
    chars = [SHADES[value * len(SHADES) // 256] * 2 for value in pixels]
    return "\n".join("".join(chars[row * cols:(row + 1) * cols])
                     for row in range(rows))
