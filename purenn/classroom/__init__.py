"""Tools for checking the primer by hand: traces of one step, gradient
checks and the self-test.  Built on the reference network."""
