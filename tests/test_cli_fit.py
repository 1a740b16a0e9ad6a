"""Command line `fit`: bad input gives one line and a non-zero exit; outputs are complete or absent."""

import numpy as np
import pandas as pd
import pytest

import bayes_sparse as bs
from bayes_sparse import cli

FAST = ["--draws", "200", "--tune", "100", "--chains", "2", "--seed", "1", "--quiet"]


@pytest.fixture
def csv_file(tmp_path):
    X, y, _ = bs.datasets.make_sparse_regression(50, 4, 2, random_state=0, as_frame=True)
    df = X.assign(target=y)
    df = df.rename(columns={"x3": "=HYPERLINK(1)"})
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def _run(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_fit_writes_report_netcdf_csv(csv_file, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = _run(
        ["fit", str(csv_file), "--target", "target", "--prior", "laplace", "--out", str(out), *FAST], capsys
    )
    assert code == 0, err
    assert "sampling: fixed length: 200 draws per chain" in stdout  # how sampling ended, said on the terminal
    for name in ("report.html", "posterior.nc", "summary.csv", "selection.csv"):
        assert (out / name).is_file()
    import arviz as az

    idata = az.from_netcdf(out / "posterior.nc")
    assert idata.posterior["beta"].shape == (2, 200, 4)
    sel = pd.read_csv(out / "selection.csv", index_col=0)
    assert "'=HYPERLINK(1)" in sel.index  # formula neutralised
    assert not any(str(i).startswith("=") for i in sel.index)


def test_fit_thin(csv_file, tmp_path, capsys):
    out = tmp_path / "thin"
    args = ["--draws", "50", "--thin", "3", "--tune", "50", "--chains", "1", "--seed", "1", "--quiet"]
    code, _, err = _run(
        ["fit", str(csv_file), "--target", "target", "--prior", "gaussian", "--out", str(out), *args], capsys
    )
    assert code == 0, err
    import arviz as az

    assert az.from_netcdf(out / "posterior.nc").posterior.sizes["draw"] == 50
    code, _, err = _run(
        ["fit", str(csv_file), "--target", "target", "--out", str(tmp_path / "t0"), "--thin", "0"], capsys
    )
    assert code == 2 and "thin must be an integer >= 1" in err


@pytest.mark.parametrize(
    "mutate, args, message",
    [
        (None, ["--target", "nope"], "target column 'nope' not found"),
        (lambda df: df.assign(city=["a"] * len(df)), ["--target", "target"], "non-numeric columns .*: city"),
        (
            lambda df: df.assign(x0=[np.nan] + list(df["x0"][1:])),
            ["--target", "target"],
            "X contains NaN in column 'x0' .first at data row 0.",
        ),
    ],
)
def test_bad_input_one_line(csv_file, tmp_path, capsys, mutate, args, message):
    if mutate is not None:
        df = mutate(pd.read_csv(csv_file))
        df.to_csv(csv_file, index=False)
    code, _, err = _run(["fit", str(csv_file), *args, "--out", str(tmp_path / "o"), *FAST], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("bayes-sparse: error: ")
    import re

    assert re.search(message, err), err
    assert not (tmp_path / "o").exists()


def _one_line_error(code, err, pattern):
    import re

    assert code == 2
    assert err.count("\n") == 1 and err.startswith("bayes-sparse: error: "), err
    assert re.search(pattern, err), err


def test_duplicate_header_refused_naming_the_names(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    rng = np.random.default_rng(0)
    rows = "\n".join(",".join(f"{v:.4f}" for v in rng.normal(size=5)) for _ in range(20))
    path.write_text("a,b,a,target,b\n" + rows + "\n")
    code, _, err = _run(["fit", str(path), "--target", "target", "--out", str(tmp_path / "o"), *FAST], capsys)
    _one_line_error(
        code, err, r"duplicate column names in the header of dup.csv: 'a' \(columns 1, 3\); 'b' \(columns 2, 5\)"
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("sep, name", [(";", "semi.csv"), ("\t", "tabs.tsv"), ("|", "pipe.txt")])
def test_delimiter_sniffed(csv_file, tmp_path, capsys, sep, name):
    df = pd.read_csv(csv_file)
    path = tmp_path / name
    df.to_csv(path, sep=sep, index=False)
    out = tmp_path / "out"
    code, _, err = _run(
        ["fit", str(path), "--target", "target", "--prior", "gaussian", "--out", str(out), *FAST], capsys
    )
    assert code == 0, err
    import arviz as az

    idata = az.from_netcdf(out / "posterior.nc")
    assert list(idata.posterior["beta"].coords["feature"].values) == [c for c in df.columns if c != "target"]


def test_sep_option_forces_the_delimiter(csv_file, tmp_path, capsys):
    path = tmp_path / "semi.csv"
    pd.read_csv(csv_file).to_csv(path, sep=";", index=False)
    args = ["fit", str(path), "--target", "target", "--prior", "gaussian", *FAST]
    code, _, err = _run([*args, "--sep", ",", "--out", str(tmp_path / "o")], capsys)
    _one_line_error(code, err, r"target column 'target' not found in semi.csv \(delimiter ','; use --sep")
    code, _, err = _run([*args, "--sep", ";", "--out", str(tmp_path / "ok")], capsys)
    assert code == 0, err


def test_prior_hyper_parameters_reach_the_prior(csv_file, tmp_path, capsys, monkeypatch):
    seen = []

    def fake_fit(X, y, prior, **kwargs):
        seen.append(prior)
        raise ValueError("stop here")

    monkeypatch.setattr("bayes_sparse.sampling.fit", fake_fit)
    base = ["fit", str(csv_file), "--target", "target", "--out", str(tmp_path / "o"), *FAST]
    cases = [
        (["--prior", "laplace", "--lam", "3"], bs.Laplace(lam=3.0)),
        (["--prior", "laplace", "--scale", "0.5"], bs.Laplace(scale=0.5)),
        (["--prior", "gaussian", "--scale", "2"], bs.Gaussian(scale=2.0)),
        (
            ["--prior", "horseshoe", "--expected-nonzero", "2", "--slab-scale", "1.5"],
            bs.Horseshoe(expected_nonzero=2.0, slab_scale=1.5),
        ),
        (["--prior", "horseshoe", "--slab-scale", "none"], bs.Horseshoe(slab_scale=None)),
        (["--prior", "elasticnet", "--lam1", "3", "--lam2", "0.5"], bs.ElasticNet(lam1=3.0, lam2=0.5)),
        (["--prior", "elasticnet", "--lam2", "0.5"], bs.ElasticNet(lam2=0.5)),
    ]
    for extra, expected in cases:
        code, _, err = _run([*base, *extra], capsys)
        assert code == 2 and "stop here" in err
        assert seen[-1] == expected


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--prior", "gaussian", "--lam", "2"], r"--lam does not apply to --prior gaussian \(it takes: --scale\)"),
        (
            ["--prior", "laplace", "--expected-nonzero", "2", "--slab-scale", "1"],
            r"--expected-nonzero, --slab-scale does not apply to --prior laplace \(it takes: --lam, --scale\)",
        ),
        (["--prior", "horseshoe", "--scale", "1"], r"--scale does not apply to --prior horseshoe"),
        (
            ["--prior", "elasticnet", "--lam", "1"],
            r"--lam does not apply to --prior elasticnet \(it takes: --lam1, --lam2\)",
        ),
        (["--prior", "elasticnet", "--lam1", "0"], r"ElasticNet lam1 must be a positive finite number"),
        (["--prior", "laplace", "--lam", "-1"], r"Laplace lam must be a positive finite number, got -1.0"),
        (["--prior", "laplace", "--lam", "1", "--scale", "1"], r"give either lam or scale"),
        (
            ["--prior", "horseshoe", "--expected-nonzero", "4"],
            r"expected_nonzero=4.0 must be smaller than the number of features \(4\)",
        ),
    ],
)
def test_prior_hyper_parameter_errors(csv_file, tmp_path, capsys, extra, message):
    code, _, err = _run(
        ["fit", str(csv_file), "--target", "target", "--out", str(tmp_path / "o"), *FAST, *extra], capsys
    )
    _one_line_error(code, err, message)
    assert not (tmp_path / "o").exists()


def test_sep_and_slab_scale_values_checked_by_argparse(csv_file, tmp_path, capsys):
    for extra, message in (
        (["--sep", "ab"], "must be one character"),
        (["--slab-scale", "wide"], "must be a number or 'none'"),
    ):
        with pytest.raises(SystemExit) as exc:
            cli.main(["fit", str(csv_file), "--target", "target", "--out", str(tmp_path / "o"), *extra])
        assert exc.value.code == 2 and message in capsys.readouterr().err


def test_missing_file(tmp_path, capsys):
    code, _, err = _run(["fit", str(tmp_path / "none.csv"), "--target", "y", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "no such file" in err


def test_existing_output_needs_force(csv_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = _run(["fit", str(csv_file), "--target", "target", "--out", str(out), *FAST], capsys)
    assert code == 2 and "exists; use --force" in err
    assert (out / "keep.txt").read_text() == "mine"
    code, _, err = _run(
        ["fit", str(csv_file), "--target", "target", "--prior", "gaussian", "--out", str(out), "--force", *FAST], capsys
    )
    assert code == 0, err
    assert (out / "report.html").exists() and not (out / "keep.txt").exists()


def test_interrupt_midway_leaves_nothing(csv_file, tmp_path, capsys, monkeypatch):
    from bayes_sparse import report

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "_ppc_section", interrupted)
    out = tmp_path / "out"
    code, _, err = _run(["fit", str(csv_file), "--target", "target", "--out", str(out), *FAST], capsys)
    assert code == 130 and "nothing was written" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]


def test_wide_header_longer_than_the_sniffing_sample(tmp_path, capsys):
    """A 20,000-gene header is longer than any fixed sample: names must not be cut
    (a cut 'x10950' read as 'x10' was reported as a duplicate of column x10)."""
    from bayes_sparse.cli import SNIFF_BYTES, _header

    p = SNIFF_BYTES // 5  # header longer than the sample
    names = [f"x{j}" for j in range(p)] + ["y"]
    path = tmp_path / "wide.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.normal(size=(4, p + 1)).round(3), columns=names).to_csv(path, index=False)
    header, sep = _header(path, None)
    assert header == names and sep == ","


# ----------------------------------------------------------------------------- binary targets
def _binary_csv(tmp_path, target_values, name="binary.csv", n=None):
    n = len(target_values) if n is None else n
    X, _, _ = bs.datasets.make_sparse_regression(n, 3, 1, random_state=0, as_frame=True)
    path = tmp_path / name
    X.assign(status=target_values).to_csv(path, index=False)
    return path


def test_two_labels_fit_a_bernoulli_model_end_to_end(tmp_path, capsys):
    X, y, _ = bs.datasets.make_sparse_classification(50, 4, 2, signal=2.0, random_state=0, as_frame=True)
    path = tmp_path / "labels.csv"
    X.assign(status=np.where(y == 1, "healthy", "disease")).to_csv(path, index=False)
    out = tmp_path / "out"
    code, stdout, err = _run(
        ["fit", str(path), "--target", "status", "--prior", "laplace", "--out", str(out), *FAST], capsys
    )
    assert code == 0, err
    assert (
        "target 'status' has two distinct values: Bernoulli (logistic) model of P(status = 'healthy'); "
        "coding 'healthy' = 1 (the positive class), 'disease' = 0 (labels in sorted order)"
    ) in stdout
    import arviz as az

    idata = az.from_netcdf(out / "posterior.nc")
    assert "sigma" not in idata.posterior and idata.posterior["beta"].shape == (2, 200, 4)
    np.testing.assert_array_equal(idata.observed_data["y"].values, (y == 1).astype(float))
    text = (out / "report.html").read_text()
    assert "positive class" in text and "&#x27;healthy&#x27; = 1" in text
    assert "y ~ Bernoulli(p)" in text and "Calibration (reliability)" in text
    assert "LogisticRegression(penalty=&#x27;l1&#x27;" in text  # the MAP section's L1-logistic reference
    assert "Selection: posterior vs L1-logistic regression" in text
    sel = pd.read_csv(out / "selection.csv", index_col=0)
    assert {"lasso_min", "lasso_1se", "entry_rank", "stability_freq", "selected_bayes"} <= set(sel.columns)


@pytest.fixture
def captured_fit(monkeypatch):
    """Replace the sampler: record (family, y) and stop with a one-line error."""
    seen = []

    def fake_fit(X, y, prior, family="gaussian", **kwargs):
        seen.append((family, np.asarray(y)))
        raise ValueError("stop here")

    monkeypatch.setattr("bayes_sparse.sampling.fit", fake_fit)
    return seen


@pytest.mark.parametrize(
    "values, extra, family, coded, message",
    [
        ([0, 1] * 10, [], "bernoulli", [0, 1] * 10, "P(status = 1); coding 1 = 1 (the positive class), 0 = 0"),
        ([True, False] * 10, [], "bernoulli", [1, 0] * 10, "P(status = True); coding True = 1"),
        ([2, 1] * 10, [], "bernoulli", [1, 0] * 10, "P(status = 2); coding 2 = 1 (the positive class), 1 = 0"),
        (["no", "yes"] * 10, [], "bernoulli", [0, 1] * 10, "P(status = 'yes'); coding 'yes' = 1"),
        ([0, 1] * 10, ["--family", "bernoulli"], "bernoulli", [0, 1] * 10, "has --family bernoulli"),
        ([0, 1] * 10, ["--family", "gaussian"], "gaussian", [0, 1] * 10, None),
        ([0.5, 1.0, 2.0, 3.0] * 5, [], "gaussian", [0.5, 1.0, 2.0, 3.0] * 5, None),
    ],
)
def test_family_detected_or_forced(tmp_path, capsys, captured_fit, values, extra, family, coded, message):
    path = _binary_csv(tmp_path, values)
    code, stdout, err = _run(
        ["fit", str(path), "--target", "status", "--out", str(tmp_path / "o"), *FAST, *extra], capsys
    )
    assert code == 2 and "stop here" in err
    got_family, got_y = captured_fit[-1]
    assert got_family == family
    np.testing.assert_array_equal(got_y, np.asarray(coded, dtype=float))
    if message is None:
        assert "Bernoulli" not in stdout
    else:
        assert message in stdout, stdout


@pytest.mark.parametrize(
    "values, extra, message",
    [
        ([1] * 20, [], r"target column 'status' has one value \(1\) in every row: a binary outcome needs two classes"),
        (
            ["sick"] * 20,
            ["--family", "bernoulli"],
            r"target column 'status' has one value \('sick'\) in every row: a binary outcome needs two classes",
        ),
        (
            [0, 1, 2] * 7,
            ["--family", "bernoulli"],
            r"target column 'status' has 3 distinct values \(0, 1, 2\); --family bernoulli needs exactly two classes",
        ),
        (
            ["a", "b", "c", "d", "e", "f", "g"] * 3,
            ["--family", "bernoulli"],
            r"has 7 distinct values \('a', 'b', 'c', 'd', 'e', \.\.\.\); --family bernoulli needs exactly two",
        ),
        (
            [0.0, 1.0, np.nan, 1.0] * 5,
            [],
            r"target column 'status' has 5 missing values \(first at data row 2\); drop or fill those rows",
        ),
        (
            ["healthy", "", "disease", "healthy"] * 5,
            ["--family", "bernoulli"],
            r"target column 'status' has 5 missing values \(first at data row 1\)",
        ),
        (
            ["healthy", "disease"] * 10,
            ["--family", "gaussian"],
            r"target column 'status' is not numeric \(2 distinct values\); a Gaussian model needs numbers "
            r"\(a two-class target is fitted with --family bernoulli\)",
        ),
        (["a", "b", "c"] * 7, [], r"target column 'status' is not numeric \(3 distinct values\)"),
    ],
)
def test_bad_binary_targets_one_line(tmp_path, capsys, values, extra, message):
    path = _binary_csv(tmp_path, values)
    code, _, err = _run(["fit", str(path), "--target", "status", "--out", str(tmp_path / "o"), *FAST, *extra], capsys)
    _one_line_error(code, err, message)
    assert not (tmp_path / "o").exists()


def test_family_choices_checked_by_argparse(tmp_path, capsys):
    path = _binary_csv(tmp_path, [0, 1] * 10)
    with pytest.raises(SystemExit) as exc:
        cli.main(["fit", str(path), "--target", "status", "--out", str(tmp_path / "o"), "--family", "poisson"])
    assert exc.value.code == 2 and "invalid choice: 'poisson'" in capsys.readouterr().err
