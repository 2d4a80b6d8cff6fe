from __future__ import annotations

import numpy as np
import pandas as pd

from iqmodel.datasets import MouseATACExample, load_mouse_atac_example


def test_mouse_atac_example_shapes():
    example = load_mouse_atac_example()
    assert isinstance(example, MouseATACExample)
    assert len(example.sequences) == 1000
    assert {len(seq) for seq in example.sequences} == {300}
    accessibility = example.accessibility
    assert accessibility.shape == (1000, 5)
    assert list(accessibility.columns) == ["c1", "c2", "c3", "c4", "c5"]
    assert accessibility.index[0] == "1" and accessibility.index.is_unique
    assert accessibility.dtypes.eq(np.float64).all()
    assert np.isclose(accessibility.to_numpy().min(), -16.61, atol=0.01)
    assert "mm10" in example.description


def test_mouse_atac_example_as_array():
    example = load_mouse_atac_example(as_frame=False)
    assert isinstance(example.accessibility, np.ndarray)
    np.testing.assert_array_equal(
        example.accessibility, load_mouse_atac_example().accessibility.to_numpy()
    )


def test_mouse_atac_example_equals_shared_copy(shared_data):
    shared = pd.read_csv(
        shared_data / "tanaylab" / "prego_sequences_example.tsv.gz", sep="\t", dtype={"row_id": str}
    )
    example = load_mouse_atac_example()
    assert example.sequences == shared["sequence"].tolist()
    assert list(example.accessibility.index) == shared["row_id"].tolist()
    np.testing.assert_array_equal(
        example.accessibility.to_numpy(), shared[["c1", "c2", "c3", "c4", "c5"]].to_numpy()
    )
