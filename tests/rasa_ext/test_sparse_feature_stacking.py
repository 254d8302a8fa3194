"""The sparse_feature_stacking patch gives exactly scipy's hstack, through Rasa's own Features API."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features

from bot.rasa_ext.patches import fence, sparse_feature_stacking


def _random(rows: int, cols: int, density: float, dtype: type, seed: int) -> scipy.sparse.coo_matrix:
    generator = np.random.default_rng(seed)
    count = int(rows * min(cols, 10_000) * density)  # entries placed at random anywhere (cols may be huge)
    cells = {(int(generator.integers(rows)), int(generator.integers(cols))) for _ in range(count)}
    row, col = (np.array(sorted(cells), dtype=np.int64).reshape(-1, 2).T if cells
                else (np.array([], np.int64), np.array([], np.int64)))
    data = (generator.random(len(cells)) * 10).astype(dtype)
    return scipy.sparse.coo_matrix((data, (row, col)), shape=(rows, cols))


def _same(a: scipy.sparse.spmatrix, b: scipy.sparse.spmatrix) -> None:
    assert (type(a), a.shape, a.dtype, a.format) == (type(b), b.shape, b.dtype, b.format)
    for part in ("data", "row", "col"):
        left, right = getattr(a, part), getattr(b, part)
        assert left.dtype == right.dtype and np.array_equal(left, right), part


CASES = [
    ((1, 40, 0.1, np.float32), (1, 5000, 0.002, np.float32)),  # a sentence: regex, then char n-grams
    ((7, 40, 0.1, np.float32), (7, 900, 0.01, np.float64)),  # a sequence, mixed dtypes upcast
    ((3, 10, 0.0, np.float64), (3, 20, 0.5, np.float64)),  # an empty block
    ((2, 5, 1.0, np.int64), (2, 2**31, 0.0, np.float32)),  # wide enough for 64-bit indices
]


@pytest.mark.parametrize(("left", "right"), CASES)
def test_hstack_coo_is_scipys_hstack(left: tuple, right: tuple) -> None:
    a, b = _random(*left, seed=1), _random(*right, seed=2)
    _same(sparse_feature_stacking.hstack_coo(a, b), scipy.sparse.hstack([a, b]))


def _combined(pairs: list[tuple[scipy.sparse.spmatrix, scipy.sparse.spmatrix]]) -> list[object]:
    found: list[object] = []
    for a, b in pairs:
        features = Features(a, "sentence", "text", "RegexFeaturizer")
        try:
            features.combine_with_features(Features(b, "sentence", "text", "CountVectorsFeaturizer"))
            found.append(features.features)
        except ValueError as error:
            found.append(str(error))
    return found


def test_features_combine_as_rasa_combines_them(stock_rasa: None) -> None:
    pairs = [(_random(*left, seed=3), _random(*right, seed=4)) for left, right in CASES[:3]]
    pairs.append((_random(2, 4, 0.5, np.float32, 5).tocsr(), _random(2, 6, 0.5, np.float32, 6)))  # Rasa's own code
    pairs.append((_random(2, 4, 0.5, np.float32, 7), _random(3, 6, 0.5, np.float32, 8)))  # rows differ: its error
    rasas = _combined(pairs)
    assert sparse_feature_stacking.apply()
    patched = _combined(pairs)
    for mine, theirs in zip(patched, rasas, strict=True):
        if isinstance(theirs, str):
            assert mine == theirs and "sequence dimensions do not match" in theirs
        else:
            _same(mine, theirs)  # type: ignore[arg-type]
    assert fence.patched_by(Features, "_combine_sparse_features") == sparse_feature_stacking.__name__
