"""Private numba kernels: C-contiguous arrays of fixed dtypes in, arrays out."""
