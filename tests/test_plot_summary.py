from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from iqmodel import IQModel
from iqmodel.interactions import InteractionSet
from iqmodel.interpret import response_curve
from iqmodel.plot.summary import (
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    interaction_network,
    prediction_scatter,
    response_curves,
)


@pytest.fixture(scope="module")
def planted(planted_pair):
    return planted_pair


@pytest.fixture(scope="module")
def database(planted_database):
    return planted_database


@pytest.fixture(scope="module")
def model(planted, database):
    """Filter and interactions on: added R^2 known, a network to draw."""
    return IQModel(
        motif_db=database,
        n_motifs=5,
        glm_lambda=1e-4,
        interactions=True,
        random_state=0,
        verbose=0,
    ).fit(planted.sequences[:500], planted.dap[:500])


@pytest.fixture(scope="module")
def plain_model(planted, database):
    """No filter, no interactions."""
    return IQModel(
        motif_db=database, n_motifs=3, glm_lambda=1e-4, filter=False, random_state=0, verbose=0
    ).fit(planted.sequences[:500], planted.dap[:500])


# ---------------------------------------------------------------------------- scatter


def test_prediction_scatter_title_gives_hand_computed_scores(rng):
    y = rng.normal(size=500)
    y_hat = 0.7 * y + rng.normal(scale=0.5, size=500)
    r2 = 1 - np.sum((y - y_hat) ** 2) / np.sum((y - y.mean()) ** 2)
    pearson2 = np.corrcoef(y, y_hat)[0, 1] ** 2
    ax = prediction_scatter(y, y_hat, title="held out")
    title = ax.get_title()
    assert title.startswith("held out\n")
    assert f"R² = {r2:.3f}" in title
    assert f"r² = {pearson2:.3f}" in title
    assert "n = 500" in title
    points = ax.collections[0]
    assert len(points.get_offsets()) == 500
    assert len(np.unique(points.get_array())) > 5  # coloured by density
    identity = ax.lines[0]
    np.testing.assert_array_equal(identity.get_xdata(), identity.get_ydata())


def test_prediction_scatter_draws_on_the_given_axes(rng):
    _, ax = plt.subplots()
    y = rng.normal(size=50)
    assert prediction_scatter(y, y + 0.1, ax=ax) is ax
    assert ax.get_xlabel() == "observed dAP" and ax.get_ylabel() == "predicted dAP"
    assert f"R² = {1 - 0.01 * 50 / np.sum((y - y.mean()) ** 2):.3f}" in ax.get_title()


@pytest.mark.parametrize(
    ("y", "y_hat", "match"),
    [
        (np.zeros(5) + np.arange(5), np.arange(4.0), "y has 5 values but y_hat has 4"),
        (np.arange(5.0), np.r_[0, 1, np.nan, 3, 4], "y_hat has a non-finite value .* index 2"),
        (np.r_[np.inf, 1, 2], np.arange(3.0), "y has a non-finite value .* index 0"),
        (np.ones((3, 2)), np.ones((3, 2)), "y must be 1-D"),
        (np.ones(4), np.arange(4.0), "y is constant"),
        (np.ones(1), np.ones(1), "at least 2 points"),
    ],
)
def test_prediction_scatter_bad_input(y, y_hat, match):
    with pytest.raises(ValueError, match=match):
        prediction_scatter(y, y_hat)


# ---------------------------------------------------------------------------- response curves


def test_response_curves_match_interpret_and_colour_by_sign(model):
    fig = response_curves(model, ncols=3)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == len(model.motifs_)
    by_label = {}
    for motif in model.motifs_:
        label = f"{motif.name} ({motif.alt_name})" if motif.alt_name else motif.name
        by_label[label] = motif
    delta = model.filter_report_.set_index("motif")["added_r2"]
    signs = []
    for ax in panels:
        first_line = ax.get_title().split("\n")[0]
        motif = by_label[first_line]
        assert f"ΔR² = {delta[motif.name]:.3f}" in ax.get_title()
        curve = response_curve(model, motif.name)
        line = ax.lines[0]
        np.testing.assert_allclose(line.get_xdata(), curve.index.to_numpy())
        np.testing.assert_allclose(line.get_ydata(), curve.to_numpy())
        effect = curve.iloc[-1] - curve.iloc[0]
        expected = POSITIVE_COLOR if effect > 0 else NEGATIVE_COLOR
        assert to_hex(line.get_color()).upper() == expected.upper()
        signs.append(effect > 0)
    assert signs == sorted(signs, reverse=True)  # positive motifs first
    assert {by_label[ax.get_title().split("\n")[0]].name for ax in panels} == {
        m.name for m in model.motifs_
    }


def test_response_curves_given_motifs_and_figure(model):
    names = [m.name for m in model.motifs_][:2][::-1]
    fig = plt.figure()
    assert response_curves(model, motifs=names, fig=fig, ncols=5) is fig
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert [t.split(" ")[0].split("\n")[0] for t in titles] == names
    with pytest.raises(ValueError, match=r"unknown motif\(s\) \['nope'\]"):
        response_curves(model, motifs=["nope"])
    with pytest.raises(ValueError, match="ncols must be a positive integer"):
        response_curves(model, ncols=0)
    with pytest.raises(TypeError, match="fitted IQModel"):
        response_curves(object())


def test_response_curves_without_filter_have_no_delta(plain_model):
    fig = response_curves(plain_model)
    assert all("ΔR²" not in ax.get_title() for ax in fig.axes)


# ---------------------------------------------------------------------------- network


def _edges(ax):
    return {
        line.get_gid().split(":", 1)[1]: line
        for line in ax.lines
        if (line.get_gid() or "").startswith("interaction:")
    }


def test_interaction_network_one_edge_per_interaction(model):
    pairs = model.interactions_.pairs
    assert len(pairs) > 0
    ax = interaction_network(model)
    edges = _edges(ax)
    assert sorted(edges) == sorted(pairs["name"])
    coef = model.coef_.set_index("feature")["coefficient"]
    weights = {name: coef[name] for name in pairs["name"]}  # one GLM column per interaction
    nonzero = {name: w for name, w in weights.items() if w != 0}
    assert nonzero
    strongest = max(nonzero, key=lambda n: abs(nonzero[n]))
    weakest = min(nonzero, key=lambda n: abs(nonzero[n]))
    assert edges[strongest].get_linewidth() > edges[weakest].get_linewidth()
    for name, weight in nonzero.items():
        expected = POSITIVE_COLOR if weight > 0 else NEGATIVE_COLOR
        assert to_hex(edges[name].get_color()).upper() == expected.upper()
    # the planted FOXA2 x ETS1 pair is drawn as an opening (red) edge
    planted_pair = "MA0047.4:MA0098.4"
    assert weights[planted_pair] > 0
    assert to_hex(edges[planted_pair].get_color()).upper() == POSITIVE_COLOR.upper()


def test_interaction_network_greys_motifs_without_interactions(model):
    pairs = model.interactions_.pairs
    motif_names = [m.name for m in model.motifs_]
    first = pairs[pairs["term1"].isin(motif_names) & pairs["term2"].isin(motif_names)].iloc[:1]
    reduced = copy.copy(model)
    reduced.interactions_ = InteractionSet(first.reset_index(drop=True))
    ax = interaction_network(reduced)
    assert len(_edges(ax)) == 1
    faces = [to_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert len(faces) == len(motif_names)  # the covariates no longer take part
    linked = {first["term1"].iloc[0], first["term2"].iloc[0]}
    expected = ["#ffffff" if name in linked else "#d9d9d9" for name in motif_names]
    assert faces == expected


def test_interaction_network_without_interactions_says_so(plain_model):
    _, ax = plt.subplots()
    assert interaction_network(plain_model, ax=ax) is ax
    assert not _edges(ax)
    assert any("no interactions in this model" in t.get_text() for t in ax.texts)
