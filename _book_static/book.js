/* Accessibility of the built book, where the theme and the widget manager leave gaps (no option
   of theirs covers these; written by hand, checked by axe-core in tests/book/test_reader.py):

   1. Slider handles (ipywidgets' noUiSlider) get an accessible name, their label, and an
      aria-valuetext that says the value the readout shows ("learning rate 0.5"), not the
      position (aria-valuenow is the index into the slider's values).
   2. Names that differ from what a sighted reader sees (axe-core: label-content-name-mismatch):
      the search button says "Search" but shows "Search Ctrl+K", and the toggle of a hidden
      code cell says "Toggle hidden content" but shows "Show code cell source": their names are
      taken from what they show. The icons inside the colour-mode button lose their titles
      ("Light", "Dark") and are hidden from screen readers, which hear the button's name,
      "Color mode".
   3. A chapter's ".ipynb" in the download menu gets a download attribute: saved, not shown.
   4. The bibliography (sphinxcontrib-bibtex, through docutils) is a role="list" whose entries
      have role="doc-biblioentry", which a list may not own: they become list items. */
(function () {
  "use strict";

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function nameSlider(slider) {
    const handle = slider.querySelector('[role="slider"]');
    if (!handle) return;
    const label = text(slider.querySelector(".widget-label"));
    const readout = slider.querySelector(".widget-readout");
    const update = () => {
      const value = text(readout) || handle.getAttribute("aria-valuenow") || "";
      const valuetext = label ? `${label} ${value}` : value;
      if (label && handle.getAttribute("aria-label") !== label)
        handle.setAttribute("aria-label", label);
      if (handle.getAttribute("aria-valuetext") !== valuetext)
        handle.setAttribute("aria-valuetext", valuetext);
    };
    update();
    if (slider.dataset.bpcoreNamed) return;
    slider.dataset.bpcoreNamed = "1";
    // noUiSlider rewrites aria-valuetext on every move; the readout changes after it.
    const observer = new MutationObserver(update);
    observer.observe(handle, {attributes: true, attributeFilter: ["aria-valuenow", "aria-valuetext"]});
    if (readout) observer.observe(readout, {childList: true, characterData: true, subtree: true});
  }

  function fixPage(root) {
    root.querySelectorAll(".widget-slider").forEach(nameSlider);
    root.querySelectorAll(".search-button__button[aria-label], details > summary[aria-label]")
      .forEach(b => b.removeAttribute("aria-label"));
    root.querySelectorAll(".theme-switch-button svg title").forEach(title => {
      const svg = title.closest("svg");
      title.remove();
      svg.removeAttribute("aria-labelledby");
      svg.removeAttribute("role");
      svg.setAttribute("aria-hidden", "true");
    });
    // The download menu's notebook: saved as a file, not opened as JSON in a new tab.
    root.querySelectorAll('a[href$=".ipynb"]:not([download])').forEach(a => {
      a.setAttribute("download", a.getAttribute("href").split("/").pop());
    });
    root.querySelectorAll('.citation-list[role="list"] > [role="doc-biblioentry"]').forEach(c => {
      c.setAttribute("role", "listitem");
    });
  }

  function start() {
    fixPage(document);
    // The widgets (widget manager) and the icons (Font Awesome) appear after the page loads.
    let pending = false;
    new MutationObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; fixPage(document); });
    }).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
