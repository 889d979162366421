"""Files in and out: IDX and MNIST, PNG and PGM drawings, SVG charts, and
the atomic write every command saves through.  Imports only the standard
library and each other, never the network or the engines."""
