"""oncorwe.synth: synthetic cohorts; the seed twin reproduces the reference study's numbers.

Everything produced here is synthetic: it contains no real patient's data.
"""

from oncorwe.synth.seed_twin import (
    SEED,
    build_seed_twin,
    generate_seed_twin,
    seed_twin_path,
    write_seed_twin,
)

__all__ = ["SEED", "build_seed_twin", "generate_seed_twin", "seed_twin_path", "write_seed_twin"]
