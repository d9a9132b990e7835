#!/usr/bin/python3
"""Independent reference for heed's Random Synthesizer matrices.

Implements the generator documented in src/encoder/heads.c from its
description (splitmix64 counter -> Box-Muller) so tests/unit/test_heads.c can
check the C code against values computed elsewhere:

    mix(z)  = splitmix64's finaliser
    state0  = mix(seed ^ mix(layer << 32 | head))
    u_k     = (mix(state0 + (k+1) * GAMMA) >> 11) * 2**-53
    element e (row-major L x L) uses pair j = e // 2:
        r = sqrt(-2 ln(1 - u_2j));  e even: r cos(2 pi u_2j+1), odd: r sin(...)

Usage: random_synth.py SEED LAYER HEAD L [ROWS]   prints the first ROWS rows
as C float literals.
"""
import math
import sys

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def uniform(state0, k):
    return (mix((state0 + (k + 1) * GAMMA) & MASK) >> 11) * 2.0 ** -53


def logits(seed, layer, head, L):
    state0 = mix(seed ^ mix(((layer << 32) | head) & MASK))
    out = []
    for e in range(L * L):
        j = e // 2
        u1, u2 = uniform(state0, 2 * j), uniform(state0, 2 * j + 1)
        r = math.sqrt(-2.0 * math.log(1.0 - u1))
        out.append(r * math.cos(2 * math.pi * u2) if e % 2 == 0
                   else r * math.sin(2 * math.pi * u2))
    return out


def main():
    seed, layer, head, L = (int(a, 0) for a in sys.argv[1:5])
    rows = int(sys.argv[5]) if len(sys.argv) > 5 else L
    v = logits(seed, layer, head, L)
    for i in range(rows):
        print(", ".join("%.7ef" % x for x in v[i * L:(i + 1) * L]) + ",")


if __name__ == "__main__":
    main()
