"""Almost-linear RNN reconstructions of dynamical systems and their symbolic codes."""
