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
    rows = re.findall(
        r"^\s*([\d.e+-]+)\s+([\d.e+-]+)\s+(\d+)\s+([\d.]+)\s+([\d.e+-]+)\s+([\d.e+-]+)\s+([\d.e+-]+)$", text, re.M
    )
    assert len(rows) == 3
    for _lam, _alpha, _nnz, _obj, gap, kkt, diff in rows:
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


def test_version(capsys):
    from importlib.metadata import version

    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"bayes-sparse {version('bayes_sparse')}"


def test_every_option_has_help_text():
    import argparse

    from bayes_sparse.cli import build_parser

    parser = build_parser()
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    parsers = [parser, *subparsers[0].choices.values()]
    assert {p.prog for p in parsers} == {
        "bayes-sparse",
        "bayes-sparse demo",
        "bayes-sparse fit",
        "bayes-sparse network",
    }
    missing = [
        (p.prog, a.dest)
        for p in parsers
        for a in p._actions
        if not isinstance(a, argparse._SubParsersAction) and not (a.help and a.help.strip())
    ]
    assert missing == []
