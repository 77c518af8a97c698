"""End-To-End Memory Networks (Sukhbaatar 2015): bAbI parser, encoding and Random Noise invariants."""

import numpy as np
import pytest

from common.data import DataError
from papers.memn2n import data

TWO_STORIES = """1 Mary moved to the bathroom.
2 John went to the hallway.
3 Where is Mary? \tbathroom\t1
4 Daniel went back to the hallway.
5 Where is Daniel? \thallway\t4
1 Sandra got the milk there.
2 Sandra went to the office.
3 What is Sandra carrying? \tmilk\t1 2
""".splitlines(keepends=True)


def test_parser_two_stories_and_supporting_facts():
    ex = data.parse_babi(TWO_STORIES, task=8)
    assert len(ex) == 3
    assert ex[0].story == (("mary", "moved", "to", "the", "bathroom"), ("john", "went", "to", "the", "hallway"))
    assert ex[0].question == ("where", "is", "mary") and ex[0].answer == "bathroom"
    assert ex[0].supporting == (0,)
    # the question line 3 is not a statement: line 4 is the story's third statement (index 2)
    assert len(ex[1].story) == 3 and ex[1].supporting == (2,)
    # ID 1 starts a new story: the second story's question sees only its own two statements
    assert ex[2].story == (("sandra", "got", "the", "milk", "there"), ("sandra", "went", "to", "the", "office"))
    assert ex[2].supporting == (0, 1) and ex[2].task == 8


@pytest.mark.parametrize("bad, what", [
    (["1 Mary moved.\n", "3 John went.\n"], "line id 3 follows 1"),
    (["1 Mary moved.\n", "2 Where is Mary? \tbathroom\n"], "question line"),
    (["1 Mary moved.\n", "2 Where is Mary? \tbathroom\t7\n"], "supporting fact ids"),
    (["x Mary moved.\n"], "expected 'ID text'"),
])
def test_parser_errors_name_file_and_line(bad, what):
    with pytest.raises(data.BabiFormatError, match=rf"^qa.txt:\d+: .*{what}"):
        data.parse_babi(bad, source="qa.txt")


def test_encode_keeps_most_recent_memories_and_nil_padding():
    ex = data.parse_babi(TWO_STORIES)
    vocab = data.Vocab(ex)
    assert vocab.words[0] == data.NIL and vocab.ids(["never-seen"]) == [0]
    enc = data.encode(ex, vocab, memory_size=2, sentence_len=5)
    # question 2 has 3 statements; memory 2 keeps the last two, oldest first
    assert enc.lengths.tolist() == [2, 2, 2]
    assert vocab.words[enc.stories[1, 1, 0]] == "daniel" and vocab.words[enc.stories[1, 0, 0]] == "john"
    assert enc.queries[0].tolist()[3:] == [0, 0]          # "where is mary" + nil padding
    assert vocab.words[enc.answers[2]] == "milk"


def test_time_indices_without_noise_count_back_from_most_recent():
    t = data.time_indices(np.array([3, 1, 0]), memory_size=4, noise=0.0, rng=None)
    assert t.tolist() == [[3, 2, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]]


def test_random_noise_keeps_memory_order():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 51, size=2000)
    t = data.time_indices(lengths, memory_size=50, noise=0.1, rng=rng)
    gaps = 0
    for n, row in zip(lengths, t):
        valid = row[:n]
        assert (row[n:] == 0).all() and valid.min() >= 1 and valid.max() <= 50
        # strictly decreasing unless capped at the memory size: older statements keep larger indices
        assert (np.diff(valid[valid < 50]) < 0).all()
        # at most ceil(0.1 n) blanks are inserted
        assert valid[0] <= n + int(np.ceil(0.1 * n))
        gaps += int(valid[0] > n)
    assert gaps > 100   # the noise does insert gaps


def test_validation_split_is_last_ten_percent():
    tr, val = data.split_validation(1000, 0.1, "last", np.random.default_rng(0))
    assert len(tr) == 900 and val.tolist() == list(range(900, 1000))
    tr, val = data.split_validation(1000, 0.1, "random", np.random.default_rng(0))
    assert len(val) == 100 and sorted(set(tr) | set(val)) == list(range(1000))


def test_missing_task_file_is_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="missing data file babi/tasks_1-20_v1-2/en-10k/qa3_"):
        data.load_babi("en-10k", 3)
