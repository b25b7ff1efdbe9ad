"""Floating-point rounding constants shared by the screens' proofs (`dense`, `bf16`).

Why one module: the flat screen's proof (`dense`) and the bfloat16 product's bound (`bf16`) both
rest on the same error bound of a float32 sum, and `dense` imports `bf16`, so neither can own it.
"""

from __future__ import annotations

__all__ = ["U_BF16", "U_F32", "gamma"]

U_F32 = 2.0**-24  # unit roundoff of float32 (24 significant bits)
U_BF16 = 2.0**-8  # unit roundoff of bfloat16 (8 significant bits)


def gamma(n: int, unit: float = U_F32) -> float:
    """Higham's gamma_n = n u / (1 - n u): a sum of n products rounded at unit roundoff u is within
    gamma_n * sum |a_i b_i| of the real value (Accuracy and Stability of Numerical Algorithms, 3.1)."""
    return n * unit / (1.0 - n * unit)
