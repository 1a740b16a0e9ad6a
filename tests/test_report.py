"""HTML report: sections, escaping, embedded images, self-contained, atomic."""

import re
import shutil
import subprocess

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
    assert len(re.findall(r'<img alt="figure" src="data:image/png;base64,', text)) >= 3
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
    res = bs.fit(X, y, bs.Horseshoe(expected_nonzero=2), sampler="gibbs", draws=300, tune=100, chains=2,
                 random_seed=0, progressbar=False)
    text = bs.write_report(res, tmp_path / "h.html").read_text()
    assert "no finite mode" in text and "m_eff" in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="headless Chromium not installed")
def test_renders_in_headless_chromium(evil_fit, tmp_path):
    path = bs.write_report(evil_fit, tmp_path / "r.html")
    out = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    dom = out.stdout
    for sid in report.SECTIONS:
        assert f'id="{sid}"' in dom
    assert dom.count("data:image/png;base64") >= 3
