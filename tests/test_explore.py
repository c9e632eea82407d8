"""bpcore.book.explore: every combination of control values gets its own frame, and the controls
select exactly that frame, in the kernel as in the browser (the links are checked here; the
browser tests move real sliders in the built book). For the book's build (BPBOOK_PRECOMPUTE=1)
every frame is drawn in advance; in a live kernel only the start frame, and each other one when
a control first selects it."""
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
                          _draw_with_log(log), figsize=(2, 2), dpi=40, progress=False,
                          precompute=True)
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
                          figsize=(2, 2), dpi=40, start={"activation": "relu"}, progress=False,
                          precompute=True)
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
    one = explore.Explorer([explore.slider("a", [1, 2])], draw, figsize=(2, 2), progress=False,
                           precompute=True)
    two = explore.Explorer([explore.slider("a", [1, 2])], draw, figsize=(2, 2), progress=False,
                           precompute=True)
    assert one.frames == two.frames


# -- frames on demand in a live kernel, every frame for the build ------------------------------

GRID = [explore.slider("learning rate", [0.01, 0.1, 1.0, 10.0]),
        explore.slider("hidden width", [1, 2, 5])]


def _lazy(log, **options):
    return explore.Explorer(GRID, _draw_with_log(log), figsize=(2, 2), dpi=40, progress=False,
                            start={"learning rate": 0.1, "hidden width": 2}, **options)


def _shown(ex):
    """The HTML the Stacks show now (the widget of the selected frame)."""
    node = ex._root
    for _ in ex.controls:
        node = node.children[node.selected_index]
    return node.value


def test_the_variable_decides(monkeypatch):
    for value in ("1", "yes", "true", " 1 "):
        assert explore.precompute_from_environment({explore.PRECOMPUTE_VARIABLE: value})
    for value in ("", "0", "false", "No", "off"):
        assert not explore.precompute_from_environment({explore.PRECOMPUTE_VARIABLE: value})
    assert not explore.precompute_from_environment({})
    assert explore.PRECOMPUTE_VARIABLE == "BPBOOK_PRECOMPUTE"
    monkeypatch.setenv("BPBOOK_PRECOMPUTE", "1")
    assert explore.precompute_from_environment()


def test_live_kernel_draws_only_the_start_frame(monkeypatch):
    monkeypatch.delenv("BPBOOK_PRECOMPUTE", raising=False)
    log = []
    ex = _lazy(log)
    assert not ex.precompute
    assert log == [(0.1, 2)]
    assert set(ex.frames) == set(ex.alt) == set(ex.frame_seconds) == {(0.1, 2)}
    assert len(ex.keys) == 12 and "1 of 12 frames drawn" in repr(ex)
    # The start frame is shown; every other frame is a placeholder of the frame's size that
    # names its values.
    assert base64.b64encode(ex.frames[(0.1, 2)]).decode() in _shown(ex)
    pending = ex._images[(10.0, 5)].value
    assert explore.PENDING_CLASS in pending and "<img" not in pending
    assert "learning rate 10, hidden width 5" in pending and "width:80px" in pending
    assert explore.ON_DEMAND_CLASS in ex.widget._dom_classes
    assert all(not w.continuous_update for w in ex.inputs.values())


def test_a_move_draws_the_new_frame_once_and_keeps_it(monkeypatch):
    monkeypatch.delenv("BPBOOK_PRECOMPUTE", raising=False)
    log = []
    ex = _lazy(log)
    ex.set(**{"learning rate": 10.0})
    assert log == [(0.1, 2), (10.0, 2)]
    assert ex.selected() == (10.0, 2)
    assert base64.b64encode(ex.frames[(10.0, 2)]).decode() in _shown(ex)
    assert 'alt="Frame for learning rate 10, hidden width 2. ' in _shown(ex)
    # Back to the start and to the new frame again: both are kept, nothing is drawn again.
    ex.set(**{"learning rate": 0.1})
    ex.set(**{"learning rate": 10.0})
    assert log == [(0.1, 2), (10.0, 2)]
    # Moving the widget itself, as the browser does: the second control, then both.
    ex.inputs["hidden width"].index = 0
    assert log[-1] == (10.0, 1) and len(log) == 3
    ex.set(**{"learning rate": 0.01, "hidden width": 5})     # both at once: one frame drawn
    assert log[-1] == (0.01, 5) and len(log) == 4
    assert ex.selected() == (0.01, 5)
    assert base64.b64encode(ex.frames[(0.01, 5)]).decode() in _shown(ex)
    assert ex.nbytes == sum(len(f) for f in ex.frames.values())
    assert ex.seconds == pytest.approx(sum(ex.frame_seconds.values()))


def test_frames_drawn_on_demand_equal_frames_drawn_in_advance(monkeypatch, two_sliders):
    monkeypatch.delenv("BPBOOK_PRECOMPUTE", raising=False)
    every, _ = two_sliders
    ex = _lazy([])
    for key in [(1.0, 5), (0.01, 1), (10.0, 2)]:
        assert ex.frame(*key) == every.frames[key]
        assert ex.alt[key] == every.alt[key]
    with pytest.raises(ValueError, match="not a combination"):
        ex.frame(0.5, 2)


def test_the_build_draws_every_frame(monkeypatch):
    monkeypatch.setenv("BPBOOK_PRECOMPUTE", "1")
    log = []
    ex = _lazy(log)
    assert ex.precompute and len(log) == len(set(log)) == 12 and set(ex.frames) == set(log)
    assert explore.ON_DEMAND_CLASS not in ex.widget._dom_classes
    assert all(w.continuous_update for w in ex.inputs.values())
    assert not any(explore.PENDING_CLASS in image.value for image in ex._images.values())
    ex.set(**{"learning rate": 10.0, "hidden width": 5})
    assert len(log) == 12                       # nothing drawn twice
    # The argument decides over the variable, both ways.
    assert len(_lazy([], precompute=False).frames) == 1
    monkeypatch.delenv("BPBOOK_PRECOMPUTE")
    assert len(_lazy([], precompute=True).frames) == 12


def test_a_frame_that_fails_on_demand_says_so_and_is_tried_again(monkeypatch):
    monkeypatch.delenv("BPBOOK_PRECOMPUTE", raising=False)
    failing = {1.0}

    def draw(fig, lr):
        if lr in failing:
            raise RuntimeError("training diverged <badly>")
        fig.add_subplot().set_title(f"lr {lr}")

    ex = explore.Explorer([explore.slider("lr", [0.1, 1.0])], draw, figsize=(1, 1), dpi=20,
                          progress=False)
    ex.set(lr=1.0)
    assert "RuntimeError: training diverged &lt;badly&gt;" in _shown(ex)
    assert (1.0,) not in ex.frames
    failing.clear()
    ex.set(lr=0.1)
    ex.set(lr=1.0)
    assert (1.0,) in ex.frames and "<img" in _shown(ex)
