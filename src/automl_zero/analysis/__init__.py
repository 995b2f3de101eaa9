"""Analysis of evolved algorithms: simplify, ablate, tune constants, export."""
