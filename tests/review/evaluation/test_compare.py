"""The statistics of a comparison: the bootstrap interval, McNemar's exact test, verdicts."""

from __future__ import annotations

import numpy as np

from review.evaluation.compare import bootstrap, mcnemar_exact


def test_the_bootstrap_interval_holds_the_mean_and_is_seeded() -> None:
    rng = np.random.default_rng(0)
    deltas = rng.normal(0.1, 0.2, size=80)
    mean, low, high = bootstrap(deltas)
    assert low < mean < high
    assert abs(mean - deltas.mean()) < 1e-12
    assert bootstrap(deltas) == (mean, low, high)  # the same resamples every time
    # A clear improvement excludes zero; pure noise around zero does not.
    assert bootstrap(np.full(40, 0.2) + rng.normal(0, 0.01, 40))[1] > 0
    noise = rng.normal(0, 0.3, size=20)
    noise -= noise.mean()
    _, nlow, nhigh = bootstrap(noise)
    assert nlow < 0 < nhigh


def test_mcnemar_exact_p_values() -> None:
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(3, 3) == 1.0
    # 6 of 6 discordant pairs the same way: 2 * 0.5**6.
    assert abs(mcnemar_exact(6, 0) - 0.03125) < 1e-12
    assert abs(mcnemar_exact(1, 5) - 0.21875) < 1e-12
