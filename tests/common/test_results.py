"""common/results.py: published CSVs keep their sources; tables and plots come out right."""

import pytest

from common.results import (PublishedError, bar_chart, comparison_table, curve_plot,
                            markdown_table, read_published)


def test_read_published_requires_sources(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("task,variant,err,source\n1,PE,0.1,Table 1\n1,BoW,0.6,Table 1\n")
    assert read_published(good, variant="PE") == [{"task": "1", "variant": "PE", "err": "0.1", "source": "Table 1"}]
    (tmp_path / "nosrc.csv").write_text("task,err\n1,0.1\n")
    with pytest.raises(PublishedError, match="no 'source' column"):
        read_published(tmp_path / "nosrc.csv")
    (tmp_path / "empty.csv").write_text("task,err,source\n1,0.1,\n")
    with pytest.raises(PublishedError, match="empty.csv:2 has an empty source"):
        read_published(tmp_path / "empty.csv")


def test_comparison_table_with_mean_footer():
    def mean(values):
        return sum(values) / len(values)
    table = comparison_table([1, 2], {"ours": {1: 0.0, 2: 3.0}}, {"PE": {1: 1.0, 2: None}},
                             key_name="task", footer=mean)
    assert table.splitlines() == [
        "| task | ours | PE (paper) |", "|---|---|---|",
        "| 1 | 0.0 | 1.0 |", "| 2 | 3.0 | - |", "| **mean** | 1.5 | 1.0 |"]
    assert markdown_table(["a"], [[1.234]], digits=2).splitlines()[-1] == "| 1.23 |"


def test_plots_write_pngs(tmp_path):
    b = bar_chart([1, 2, 3], {"ours": [1.0, None, 3.0], "paper": [2.0, 2.0, 2.0]},
                  tmp_path / "bars.png", "t", "error (%)")
    c = curve_plot({"run": ([0, 1, 2], [0.0, 1.0, 4.0])}, tmp_path / "sub" / "curve.png", "t",
                   "steps", "return", hlines={"random": -20.7})
    for path in (b, c):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_write_between_markers(tmp_path):
    from common.results import write_between_markers
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n<!-- a -->\nold\n<!-- b -->\ntail\n")
    assert write_between_markers(readme, "<!-- a -->", "<!-- b -->", "new 1\nnew 2")
    assert readme.read_text() == "# Title\n<!-- a -->\nnew 1\nnew 2\n<!-- b -->\ntail\n"
    assert not write_between_markers(readme, "<!-- x -->", "<!-- b -->", "zzz")
    assert not write_between_markers(tmp_path / "missing.md", "<!-- a -->", "<!-- b -->", "zzz")
    assert "zzz" not in readme.read_text()
