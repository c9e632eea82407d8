"""bpcore.book.explore: every combination of control values gets its own frame, and the controls
select exactly that frame, in the kernel as in the browser (the links are checked here; the
browser tests move real sliders in the built book)."""
import base64

import ipywidgets as W
from ipywidgets.widgets.widget_link import Link
import numpy as np
import pytest

from bpcore.book import explore


def _draw_with_log(log):
    def draw(fig, a, b):
        log.append((a, b))
        ax = fig.add_subplot()
        # A frame whose pixels depend on the values: a bar of height a and one of height b.
        ax.bar([0, 1], [np.log10(a) + 3, b])
        ax.set_ylim(0, 6)
    return draw


@pytest.fixture(scope="module")
def two_sliders():
    log = []
    ex = explore.Explorer([explore.slider("learning rate", [0.01, 0.1, 1.0, 10.0]),
                           explore.slider("hidden width", [1, 2, 5])],
                          _draw_with_log(log), figsize=(2, 2), dpi=40, progress=False)
    return ex, log


def test_one_frame_per_combination_drawn_once_each(two_sliders):
    ex, log = two_sliders
    assert len(log) == len(set(log)) == 12
    assert set(ex.frames) == set(log)
    assert all(f.startswith(b"\x89PNG") for f in ex.frames.values())
    # Different values draw different pictures (the bars differ), equal values the same.
    assert len(set(ex.frames.values())) == 12
    assert ex.nbytes == sum(len(f) for f in ex.frames.values())


def test_slider_labels_show_the_real_values(two_sliders):
    ex, _ = two_sliders
    lr, width = ex.inputs["learning rate"], ex.inputs["hidden width"]
    assert isinstance(lr, W.SelectionSlider)
    assert [label for label, _ in lr.options] == ["0.01", "0.1", "1", "10"]
    assert [label for label, _ in width.options] == ["1", "2", "5"]


def test_changing_a_slider_selects_the_frame_for_that_value(two_sliders):
    ex, _ = two_sliders
    for lr in (0.01, 0.1, 1.0, 10.0):
        for width in (1, 2, 5):
            ex.set(**{"learning rate": lr, "hidden width": width})
            assert ex.selected() == (lr, width)
            # The widget the Stacks show is the image holding that combination's frame.
            node = ex._root
            for control in ex.controls:
                node = node.children[node.selected_index]
            assert base64.b64encode(ex.frames[(lr, width)]).decode() in node.value
            assert f'alt="Frame for learning rate {lr:g}, hidden width {width}. ' in node.value
    # Moving the widget itself (as the browser does) rather than going through set():
    ex.inputs["learning rate"].index = 2
    ex.inputs["hidden width"].index = 0
    assert ex.selected() == (1.0, 1)


def test_every_stack_is_linked_in_the_browser(two_sliders):
    ex, _ = two_sliders
    # 1 outer Stack for the learning rate, 4 inner Stacks for the width: 5 jslinks.
    assert len(ex._links) == 5
    for link in ex._links:
        assert isinstance(link, Link)            # a jslink: runs in the browser
        (source, s_attr), (target, t_attr) = link.source, link.target
        assert s_attr == "index" and t_attr == "selected_index"
        assert isinstance(target, W.Stack)
    lr, width = ex.inputs["learning rate"], ex.inputs["hidden width"]
    assert sum(link.source[0] is lr for link in ex._links) == 1
    assert sum(link.source[0] is width for link in ex._links) == 4


def test_dropdown_and_start_values():
    ex = explore.Explorer([explore.dropdown("activation", ["sigmoid", "tanh", "relu"])],
                          lambda fig, name: fig.add_subplot().set_title(name),
                          figsize=(2, 2), dpi=40, start={"activation": "relu"}, progress=False)
    assert isinstance(ex.inputs["activation"], W.Dropdown)
    assert ex.selected() == ("relu",)
    ex.set(activation="tanh")
    assert ex.selected() == ("tanh",)


def test_the_widget_is_what_a_notebook_displays(two_sliders):
    ex, _ = two_sliders
    bundle = ex._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id
    assert "bpcore-explorer" in ex.widget._dom_classes


def test_clear_errors():
    ok = explore.slider("a", [1, 2])
    with pytest.raises(ValueError, match="not one of the explorer's values"):
        explore.Explorer([ok], lambda fig, a: None, start={"a": 3}, progress=False)
    with pytest.raises(ValueError, match="unknown control"):
        explore.Explorer([ok], lambda fig, a: None, start={"b": 1}, progress=False)
    with pytest.raises(ValueError, match="same label"):
        explore.slider("lr", [0.011, 0.012], fmt="{:.1f}")
    with pytest.raises(ValueError, match="needs at least one value"):
        explore.slider("lr", [])
    with pytest.raises(TypeError, match="draw"):
        explore.Explorer([ok], "not a function", progress=False)
    with pytest.raises(ValueError, match="its own name"):
        explore.Explorer([ok, explore.slider("a", [3])], lambda fig, a, b: None,
                         progress=False)
    ex = explore.Explorer([ok], lambda fig, a: None, figsize=(1, 1), dpi=20, progress=False)
    with pytest.raises(ValueError, match="is not a control"):
        ex.set(b=1)


def test_frames_are_deterministic():
    def draw(fig, a):
        fig.add_subplot().plot(np.arange(5) * a)
    one = explore.Explorer([explore.slider("a", [1, 2])], draw, figsize=(2, 2), progress=False)
    two = explore.Explorer([explore.slider("a", [1, 2])], draw, figsize=(2, 2), progress=False)
    assert one.frames == two.frames
