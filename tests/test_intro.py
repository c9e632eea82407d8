"""The front page's notation table says what bpcore does."""
import re
from pathlib import Path

from bpcore import data

INTRO = (Path(__file__).resolve().parent.parent / "intro.md").read_text()


def test_weight_mapping_table_matches_bpcore():
    rows = re.findall(r"^\| \$w_(\d)\$ \| \$w\^(\d)_\{(\d)(\d)\}\$ \|", INTRO, re.M)
    table = {f"w{n}": (int(l), int(j), int(k)) for n, l, j, k in rows}
    assert len(rows) == 8
    assert table == data.WEIGHT_NAMES


def test_joins_column_matches_the_index_convention():
    """w^l_jk joins neuron k of layer l-1 to neuron j of layer l."""
    layer_names = {0: "i", 1: "h", 2: "o"}
    for name, (l, j, k) in data.WEIGHT_NAMES.items():
        frm, to = f"{layer_names[l - 1]}_{k}", f"{layer_names[l]}_{j}"
        assert re.search(rf"^\| \$w_{name[1]}\$ \| [^|]+ \| \${frm} \\to {to}\$ \|$",
                         INTRO, re.M), name


def test_glossary_has_the_core_terms():
    for en, zh in [("forward propagation", "前向传播"), ("backpropagation", "反向传播"),
                   ("activation function", "激活函数"), ("learning rate", "学习率"),
                   ("gradient descent", "梯度下降")]:
        assert re.search(rf'^\| {re.escape(en)}[^|]* \| <span lang="zh-Hans">{zh}', INTRO,
                         re.M), en
