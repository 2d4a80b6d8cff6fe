"""How fast are the two GLM solvers on IQ-like designs, and how close to the minimum do they get?

IQ fits a lasso-logistic GLM (lambda = 1e-5, standardised columns) to a fractional target on
logistic-basis features: four strongly correlated curves per motif energy. On such designs the
cost and the accuracy of a solver depend on its stopping rule, so every fit reports wall time
and its objective (iqmodel.glm.objective), and the table gives each objective's excess over
the lowest one found for that design. Solvers: python-glmnet's Fortran lognet at iqmodel's
default tol (1e-9) and at R's default thresh (1e-7), and glum at its default (1e-7).

Designs (synthetic, seeded): n peaks x p = 4 * k features, from k motif energies on [0, 10]
that share 8 latent factors; y = sigmoid(sparse effect of 20 features + N(0, 0.5^2) noise).
Default sizes: 4,000 x 200 and 4,000 x 1,000.

Run:  python benchmarks/bench_glm.py [--sizes 4000x200 4000x1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy.special import expit

from iqmodel.features import LogisticBasis
from iqmodel.glm import DEFAULT_LAMBDA, fit_logistic_lasso, objective

RUNS = (("glmnet", None), ("glmnet", 1e-7), ("glum", None))  # (solver, tol); None = default


def make_design(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logistic-basis design (n, p) from p / 4 correlated energies, and a fractional y (n,)."""
    rng = np.random.default_rng(seed)
    k = p // 4
    latent = rng.normal(size=(n, 8))
    energies = 5.0 + 2.0 * (latent @ rng.normal(size=(8, k)) / 3.0 + rng.normal(size=(n, k)))
    X = LogisticBasis().fit_transform(np.clip(energies, 0.0, 10.0))
    effect = np.zeros(p)
    effect[rng.choice(p, 20, replace=False)] = 2.0 * rng.normal(size=20)
    y = expit((X - X.mean(axis=0)) @ effect + rng.normal(scale=0.5, size=n))
    return X, y


def time_fit(X, y, solver: str, tol) -> dict:
    start = time.perf_counter()
    fit = fit_logistic_lasso(X, y, solver=solver, tol=tol)
    seconds = time.perf_counter() - start
    value = objective(X, y, fit.coef, fit.intercept, lam=DEFAULT_LAMBDA)
    return {"solver": solver, "tol": tol, "seconds": seconds, "objective": value, "fit": fit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["4000x200", "4000x1000"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"lambda = {DEFAULT_LAMBDA:g}, {os.cpu_count()} CPUs (glum threads; glmnet uses one)")
    header = f"{'solver':<8} {'tol':>8} {'n x p':>11} {'time (s)':>9} {'objective':>18}"
    print(f"{header} {'excess':>9} {'n_iter':>7}")
    for size in args.sizes:
        n, p = (int(part) for part in size.split("x"))
        X, y = make_design(n, p, args.seed)
        rows = [time_fit(X, y, solver, tol) for solver, tol in RUNS]
        best = min(row["objective"] for row in rows)
        for row in rows:
            tol = row["tol"] if row["tol"] is not None else "default"
            excess = row["objective"] / best - 1.0
            print(
                f"{row['solver']:<8} {tol!s:>8} {f'{n} x {p}':>11} {row['seconds']:>9.2f} "
                f"{row['objective']:>18.12f} {excess:>9.1e} {row['fit'].n_iter:>7}"
            )
        defaults = [row["objective"] for row in rows if row["tol"] is None]
        gap = abs(defaults[0] - defaults[1]) / defaults[1]
        print(f"glmnet vs glum at default tol, {n} x {p}: objective relative difference {gap:.1e}")


if __name__ == "__main__":
    main()
