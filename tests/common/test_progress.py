import io

from common.progress import Progress


def test_status_line_has_count_rate_eta_and_fields():
    out = io.StringIO()
    p = Progress(total=100, name="toy", unit="steps", every_s=0.0, stream=out)
    p._t0 -= 10.0  # pretend 10 s have passed
    p.update(50, loss=0.25)
    line = out.getvalue().strip()
    assert line.startswith("[toy] 50/100 steps (50%)")
    assert "steps/s eta 0:00:" in line and line.endswith("| loss 0.25")
    rate = float(line.split("(50%) ")[1].split(" ")[0])
    assert 4.0 < rate < 5.1  # 50 steps in ~10 s


def test_quiet_between_intervals():
    out = io.StringIO()
    p = Progress(total=None, name="toy", every_s=3600, stream=out)
    p.update(5)
    assert out.getvalue() == ""
    p.close()
    assert out.getvalue().startswith("[toy] 5 steps")
