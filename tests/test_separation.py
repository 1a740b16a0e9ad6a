"""Separation detection on constructed separable / quasi-separable / non-separable data."""

import warnings

import numpy as np
import pytest

from bayes_sparse._separation import _lp_status, detect_separation


def _mle_norm(X, y):
    """Norm of scikit-learn's unpenalised logistic fit: huge when the MLE does not exist."""
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = LogisticRegression(C=np.inf, max_iter=10_000, tol=1e-12).fit(X, y)
    return float(np.linalg.norm(m.coef_))


def _diagonal_data(n=200, seed=0):
    """y = 1 exactly when x0 + x1 > 0: separated by the two features together, by neither alone."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    X = X[np.abs(X.sum(axis=1)) > 0.05]  # a margin around the line
    return X, (X.sum(axis=1) > 0).astype(int)


def test_complete_separation_by_two_features_not_by_either():
    X, y = _diagonal_data()
    check = detect_separation(X, y, ["a", "b"])
    assert check.status == "complete" and check.n_separated == len(y)
    assert check.complete_features == () and check.quasi_features == ()
    text = " ".join(check.messages())
    assert "completely separated" in text and "infinity" in text and "prior is what keeps them finite" in text
    assert _mle_norm(X, y) > 100  # the likelihood's optimum runs off


def test_quasi_complete_separation_ties_on_the_boundary():
    X, y = _diagonal_data()
    # the same point on the separating line twice, once in each class: no hyperplane separates
    # completely any more, but x0 + x1 = 0 still has every other observation on its correct side
    X = np.vstack([X, [[0.5, -0.5], [0.5, -0.5]]])
    y = np.concatenate([y, [0, 1]])
    check = detect_separation(X, y)
    assert check.status == "quasi-complete"
    assert check.n_separated == len(y) - 2
    assert (
        "quasi-completely separated" in check.messages()[0] and f"{len(y) - 2} of the {len(y)}" in (check.messages()[0])
    )
    assert _mle_norm(X, y) > 100


def test_no_separation_with_overlapping_classes():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + rng.logistic(size=300) > 0).astype(int)
    check = detect_separation(X, y)
    assert check.status == "none" and not check.separated and check.messages() == []
    assert _mle_norm(X, y) < 10  # a finite MLE exists
    # 1-D alternating labels: no threshold and no direction separates
    assert detect_separation(np.arange(6.0)[:, None], [0, 1, 0, 1, 0, 1]).status == "none"


def test_single_features_named():
    rng = np.random.default_rng(2)
    n = 60
    y = np.r_[np.zeros(30), np.ones(30)].astype(int)
    noise = rng.normal(size=(n, 3))
    perfect = np.r_[rng.uniform(0, 1, 30), rng.uniform(2, 3, 30)]  # all y = 0 below all y = 1
    flipped = -perfect  # separates in the other direction
    tied = np.r_[rng.uniform(0, 1, 29), 1.0, 1.0, rng.uniform(1, 2, 29)]  # touches at 1.0 in both classes
    tied[:29] = np.minimum(tied[:29], 0.99)
    tied[31:] = np.maximum(tied[31:], 1.01)
    X = np.column_stack([noise[:, 0], perfect, noise[:, 1], flipped, tied, noise[:, 2]])
    check = detect_separation(X, y, ["n0", "dose", "n1", "neg_dose", "tied", "n2"])
    assert check.complete_features == ("dose", "neg_dose")
    assert check.quasi_features == ("tied",)
    assert check.status == "complete"
    msgs = check.messages()
    assert any("2 single features completely separate the classes" in m and "dose, neg_dose" in m for m in msgs)
    assert any("1 single feature quasi-completely separates" in m and "tied" in m for m in msgs)
    only_tied = detect_separation(X[:, [4]], y, ["tied"])
    assert only_tied.quasi_features == ("tied",) and only_tied.status == "quasi-complete"
    assert only_tied.n_separated == n - 2
    # with a second, continuous feature the two tied points can be split: complete
    assert detect_separation(X[:, [0, 4]], y).status == "complete"


def test_p_at_least_n_minus_1_is_always_separable():
    rng = np.random.default_rng(3)
    n, p = 20, 19
    X = rng.normal(size=(n, p))
    y = rng.permutation(np.r_[np.zeros(10), np.ones(10)]).astype(int)  # labels unrelated to X
    check = detect_separation(X, y)
    assert check.status == "high-dimensional" and check.separated
    (msg,) = check.messages()
    assert "p >= n - 1 (p = 19, n = 20)" in msg and "always linearly separable" in msg and "prior" in msg
    # the claim itself, checked by the LP: random labels are completely separable
    assert _lp_status((X - X.mean(0)) / X.std(0), y.astype(float))[0] == "complete"
    # one feature fewer than n - 1: the LP runs (and these random labels happen to be separable or not;
    # the status is one of the exact ones)
    assert detect_separation(X[:, :17], y).status in ("complete", "quasi-complete", "none")


def test_many_single_separators_are_listed_with_a_count():
    y = np.r_[np.zeros(5), np.ones(5)].astype(int)
    X = np.column_stack([np.r_[np.arange(5.0), np.arange(10.0, 15.0)] + k for k in range(15)])
    msgs = detect_separation(X, y).messages(max_names=10)
    assert any("15 single features completely separate" in m and "and 5 more" in m for m in msgs)


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((4, 2)), [1, 1, 1, 1], "only one class"),
        (np.zeros((4, 2)), [0, 1, 2, 1], "0/1 or bool"),
        (np.zeros((4, 2)), [0, 1], "1-D with 4 entries"),
        (np.array([[np.nan], [1.0], [2.0]]), [0, 1, 0], "NaN or infinite"),
        (np.zeros(4), [0, 1, 0, 1], "2-D array"),
    ],
)
def test_bad_input(X, y, message):
    with pytest.raises(ValueError, match=message):
        detect_separation(X, y)
