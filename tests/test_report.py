"""HTML report: sections, escaping, embedded images, self-contained, atomic; reads at any p
(verdict first, top features, bounded figures and size); umask-respecting, compressed outputs."""

import base64
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

import bayes_sparse as bs
from bayes_sparse import report

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def evil_fit():
    X, y, _ = bs.datasets.make_sparse_regression(60, 5, 2, random_state=2, as_frame=True)
    X = X.rename(columns={"x0": EVIL})
    return bs.fit(X, y, bs.Laplace(), sampler="gibbs", draws=300, tune=100, chains=2, random_seed=0, progressbar=False)


def test_report_sections_escaping_images(evil_fit, tmp_path):
    path = bs.write_report(evil_fit, tmp_path / "r.html")
    text = path.read_text()
    for sid in report.SECTIONS:
        assert f'<section id="{sid}">' in text
    assert EVIL not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script" not in text.lower()
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', text)) >= 3
    assert not re.search(r'(src|href)=["\']https?:', text)
    assert "http" not in text.replace("http-equiv", "")
    assert "duality gap" in text and "Lasso objective" in text


def test_no_overwrite_and_atomic(evil_fit, tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    target.write_text("user's file")
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        bs.write_report(evil_fit, target)
    assert target.read_text() == "user's file"

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "_ppc_section", boom)
    with pytest.raises(KeyboardInterrupt):
        bs.write_report(evil_fit, tmp_path / "new.html", compare=False)
    assert not (tmp_path / "new.html").exists()
    assert not list(tmp_path.glob(".report-*"))


def test_horseshoe_report_says_no_map(tmp_path):
    X, y, _ = bs.datasets.make_sparse_regression(50, 6, 2, random_state=1)
    res = bs.fit(
        X,
        y,
        bs.Horseshoe(expected_nonzero=2),
        sampler="gibbs",
        draws=300,
        tune=100,
        chains=2,
        random_seed=0,
        progressbar=False,
    )
    text = bs.write_report(res, tmp_path / "h.html").read_text()
    assert "no penalised-regression equivalent" in text and "m_eff" in text


#: Probe appended to a *copy* of a report (the report itself has no scripts):
#: after loading, it records each image's decoded size, or BROKEN.
IMAGE_PROBE = (
    "<script>window.addEventListener('load',function(){var r=[];for(const i of document.images)"
    "{r.push(i.complete&&i.naturalWidth>0?i.naturalWidth+'x'+i.naturalHeight:'BROKEN');}"
    "document.body.setAttribute('data-images',r.join(','));});</script>"
)


def _chromium_dom(path, tmp_path):
    probe = tmp_path / f"probe-{path.name}"
    probe.write_text(path.read_text().replace("</body>", IMAGE_PROBE + "</body>"))
    out = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    found = re.search(r'data-images="([^"]*)"', out.stdout)
    assert found, out.stderr[-2000:]
    return out.stdout, found.group(1).split(",")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed")
def test_renders_in_headless_chromium(evil_fit, tmp_path):
    path = bs.write_report(evil_fit, tmp_path / "r.html")
    dom, images = _chromium_dom(path, tmp_path)
    for sid in report.SECTIONS:
        assert f'id="{sid}"' in dom
    assert len(images) >= 3 and "BROKEN" not in images


# ----------------------------------------------------------------------------- any p
#: The issue's bounds: the HTML below 3 MB at p = 20,000, and every image below
#: 4,096 px on each side (larger ones render blank in some browsers).
HTML_MAX_BYTES = 3 * 2**20
PIXEL_LIMIT = 4096


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """n = 100, p = 20,000 horseshoe, a few draws (the report's layout, not the inference, is tested)."""
    import warnings

    X, y, _ = bs.datasets.make_sparse_regression(100, 20_000, 5, random_state=0, as_frame=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.diagnostics.DiagnosticWarning)
        res = bs.fit(
            X,
            y,
            bs.Horseshoe(expected_nonzero=5),
            sampler="gibbs",
            draws=30,
            tune=10,
            chains=2,
            random_seed=0,
            progressbar=False,
        )
    table = bs.compare_selection(res, n_subsamples=10)
    path = bs.write_report(res, tmp_path_factory.mktemp("wide") / "report.html", table=table)
    return res, table, path


def _images(text):
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', text)]


def test_wide_report_reads_at_any_p(wide):
    res, table, path = wide
    text = path.read_text()
    size = path.stat().st_size
    print(f"\nreport at p = 20,000: {size / 2**20:.2f} MB")
    assert size < HTML_MAX_BYTES
    # verdict first: right after the title, and it says whether the chains converged
    assert text.index('<section id="verdict">') < text.index('<section id="data-model">')
    verdict = text[text.index('<section id="verdict">') : text.index('<section id="data-model">')]
    assert ("Not converged" in verdict) != res.diagnostics.passed
    assert "features selected" in verdict
    images = _images(text)
    assert len(images) >= 4  # Manhattan, forest, inclusion-stability, shrinkage (+ PPC)
    for data in images:
        w, h = report.png_size(data)
        assert 0 < w < PIXEL_LIMIT and 0 < h < PIXEL_LIMIT, (w, h)
    # tables show the top 30 features, not 20,000
    posterior = text[text.index('<section id="posterior">') : text.index('<section id="diagnostics">')]
    assert posterior.count("<tr") <= report.TOP + 10
    top = table.sort_values("inclusion_prob", ascending=False).index[0]
    assert f"beta[{top}]" in posterior
    selection = text[text.index('<section id="selection">') : text.index('<section id="ppc">')]
    body = selection[selection.index("<tbody>") : selection.index("</tbody>")]
    assert body.count("<tr") == report.TOP
    assert "posterior inclusion probability of every feature" in selection


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed")
def test_wide_report_renders_every_image_in_chromium(wide, tmp_path):
    _, _, path = wide
    dom, images = _chromium_dom(path, tmp_path)
    print("\nimages as decoded by Chromium:", images)
    assert dom.count("<img") == len(images) == len(_images(path.read_text()))
    assert "BROKEN" not in images
    for wh in images:
        w, h = map(int, wh.split("x"))
        assert 0 < w < PIXEL_LIMIT and 0 < h < PIXEL_LIMIT


# ----------------------------------------------------------------------------- permissions, NetCDF
@pytest.fixture
def umask():
    """Set the process umask for one test, restoring it afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def test_outputs_honour_the_umask(evil_fit, tmp_path, umask):
    umask(0o022)
    path = bs.write_report(evil_fit, tmp_path / "r.html", compare=False)
    assert path.stat().st_mode & 0o777 == 0o644
    folder = report.apply_umask(tempfile.mkdtemp(dir=tmp_path))  # mkdtemp makes 0700
    assert folder.stat().st_mode & 0o777 == 0o755
    csvs = report.write_tables(evil_fit, folder)
    assert [p.stat().st_mode & 0o777 for p in csvs] == [0o644]
    umask(0o077)
    path = bs.write_report(evil_fit, tmp_path / "private.html", compare=False)
    assert path.stat().st_mode & 0o777 == 0o600
    umask(0o002)
    path = report.write_netcdf(evil_fit.idata, tmp_path / "posterior.nc")
    assert path.stat().st_mode & 0o777 == 0o664
    assert not list(tmp_path.glob(".report-*")) and not list(tmp_path.glob(".posterior-*"))


def test_netcdf_compressed_and_round_trips(evil_fit, tmp_path):
    import arviz as az
    import h5netcdf

    path = report.write_netcdf(evil_fit.idata, tmp_path / "posterior.nc")
    with h5netcdf.File(path, "r") as fh:
        beta = fh["posterior"].variables["beta"]
        assert beta.compression == "gzip" and beta.shuffle
    back = az.from_netcdf(path)
    assert set(back.groups()) == set(evil_fit.idata.groups())
    np.testing.assert_array_equal(back.posterior["beta"].values, evil_fit.idata.posterior["beta"].values)
    assert list(back.posterior["beta"].feature.values) == list(evil_fit.idata.posterior["beta"].feature.values)
    with pytest.raises(FileExistsError):
        report.write_netcdf(evil_fit.idata, path)


# ----------------------------------------------------------------------------- binary outcomes
@pytest.fixture(scope="module")
def separated_fit():
    """A Bernoulli fit whose classes the feature 'dose' separates on its own (p < n)."""
    import warnings

    import pandas as pd

    rng = np.random.default_rng(4)
    n = 40
    y = np.r_[np.zeros(20), np.ones(20)].astype(int)
    X = pd.DataFrame({"noise": rng.normal(size=n), "dose": np.r_[rng.uniform(0, 1, 20), rng.uniform(1.5, 2.5, 20)]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.diagnostics.DiagnosticWarning)
        return bs.fit(
            X,
            y,
            bs.Laplace(lam=1.0),
            family="bernoulli",
            draws=200,
            tune=100,
            chains=2,
            random_seed=0,
            progressbar=False,
        )


def test_binary_report_warns_about_separation_and_uses_l1_logistic(separated_fit, tmp_path):
    text = bs.write_report(separated_fit, tmp_path / "b.html", data_notes=["positive class (1): 'disease'"]).read_text()
    ppc = text[text.index('<section id="ppc">') :]
    assert "Calibration (reliability)" in ppc
    notes = re.findall(r"<p class='note separation'>(.*?)</p>", ppc)
    assert len(notes) == 2, notes
    assert "completely separated by a linear predictor" in notes[0] and "prior is what keeps them finite" in notes[0]
    assert "1 single feature completely separates the classes" in notes[1] and "dose" in notes[1]
    selection = text[text.index('<section id="selection">') : text.index('<section id="ppc">')]
    assert "Selection: posterior vs L1-logistic regression" in selection and "lam_min" in selection
    assert "LassoCV" not in selection
    data = text[text.index('<section id="data-model">') : text.index('<section id="map-penalty">')]
    assert "positive class (1): &#x27;disease&#x27;" in data


def test_separation_notes_for_wide_and_overlapping_designs():
    from bayes_sparse._data import prepare_data

    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 40))
    y = rng.permutation(np.r_[np.zeros(15), np.ones(15)])
    wide = report._separation_notes(prepare_data(X, y, family="bernoulli"))
    assert "p &gt;= n - 1 (p = 40, n = 30)" in wide and "always linearly separable" in wide
    Xo = rng.normal(size=(200, 3))
    yo = (Xo[:, 0] + rng.logistic(size=200) > 0).astype(float)
    assert report._separation_notes(prepare_data(Xo, yo, family="bernoulli")) == ""


def test_binary_map_section_skips_saga_above_its_limit(separated_fit, monkeypatch):
    """scikit-learn's saga at tol 1e-10 takes minutes at p = 2000: above the logistic limit the
    MAP section gives the mapping and the certificate only."""
    html_small = report._map_section(separated_fit)
    assert "scikit-learn LogisticRegression" in html_small and "max |MAP - scikit-learn" in html_small

    def refuse(*args, **kwargs):
        raise AssertionError("scikit-learn reference run above the limit")

    monkeypatch.setattr(report, "_sklearn_reference", refuse)
    monkeypatch.setattr(report, "SKLEARN_REFERENCE_MAX_P_LOGISTIC", 1)
    text = report._map_section(separated_fit)
    assert "scikit-learn is not run above p = 1" in text and "duality gap" in text
