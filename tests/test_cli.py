import io
import re


from bayes_sparse.cli import demo, main


def test_demo_prints_map_beside_lasso_with_certificate():
    out = io.StringIO()
    assert demo(out) == 0
    text = out.getvalue()
    assert "alpha = lam sigma / n" in text
    assert "Ridge alpha = 1 / s^2" in text
    # certificate table: three rows, gaps tiny, MAP equals Lasso
    rows = re.findall(r"^\s*([\d.e+-]+)\s+([\d.e+-]+)\s+(\d+)\s+([\d.]+)\s+([\d.e+-]+)\s+([\d.e+-]+)\s+([\d.e+-]+)$", text, re.M)
    assert len(rows) == 3
    for lam, alpha, nnz, obj, gap, kkt, diff in rows:
        assert float(gap) < 1e-8 and float(kkt) < 1e-8 and float(diff) < 1e-6
    nnz = [int(r[2]) for r in rows]
    assert nnz == sorted(nnz) and nnz[0] < 10  # sparser at larger lambda
    diff = float(re.search(r"largest \|MAP - Ridge\| difference: ([\d.e+-]+)", text).group(1))
    assert diff < 1e-8


def test_demo_command_writes_three_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the default output folder is created in the working directory
    assert main(["demo", "--draws", "300", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "diabetes data, n=442, p=10" in out and "PSIS-LOO comparison" in out
    (folder,) = list(tmp_path.glob("bayes-sparse-demo-*"))
    for prior in ("laplace", "gaussian", "horseshoe"):
        assert (folder / prior / "report.html").is_file() and (folder / prior / "posterior.nc").is_file()
    assert str(folder.resolve()) in out
    assert main(["demo", "--out", str(folder), "--quiet"]) == 2  # refuses to overwrite
    assert "exists; use --force" in capsys.readouterr().err
