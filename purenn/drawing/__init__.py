"""Pictures made or reshaped in memory: no file is read or written here.

``purenn.io`` holds file formats (IDX, PNG, PGM, model files, logs); what
is drawn or prepared sits here, on top of it, so that a format module never
carries drawing code and the drawing code can be read without the formats:

``prepare``   a drawing prepared as an MNIST input (Otsu's threshold, the
              crop to the ink, scaling to 20x20, centring by mass in 28x28)
``pictures``  the ``weights`` picture: each hidden neuron's 784 weights as
              a 28x28 tile, blue/orange
``svg``       the hand-written SVG line chart of ``plot``

The commands write the results through ``purenn.io`` (``png.write_png``,
``fileio.atomic_write``).  Imports only the standard library and
``purenn.io``.
"""
