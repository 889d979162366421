"""File formats, in and out: IDX (``idx``, ``idxformat``, ``idxwrite``) and
MNIST on top of it (``mnist``, ``mnistdata``), PNG (``png``, ``pngread``,
``pngchunks``) and PGM drawings read as pictures (``images``, ``shrink``),
model files (``modelfile``), training logs (``trainlog``), bounded reading
(``bounded``) and the atomic write every command saves through (``fileio``).

Only formats: what draws or prepares a picture in memory (the MNIST-style
preparation of a drawing, the weights picture, SVG charts) is
``purenn.drawing``.  Imports only the standard library, ``purenn.resources``
and each other, never the network, the engines or ``purenn.drawing``.
"""
