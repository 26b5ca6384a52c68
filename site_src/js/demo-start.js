// The demo page's start: it wires the demo-*.js files together, then the
// pre-rendered view is adopted, the URL hash applied, and Python primed once it
// is ready. Each demo-*.js file owns one concern and says in its first lines
// what it owns and whom it calls; they share one namespace (ConvDemo, classic
// scripts: file:// pages may not load modules) and the page's current values
// in ConvDemo.live (demo-live.js). They call one another through the
// namespace when called, never while loading, so their order (build.py's
// SCRIPT_BUNDLES, which joins them into dist/js/demo.js) only needs the
// helpers (demo-state, -render, -tables, -input) and demo-live.js first and
// this file last.
(function () {
  "use strict";

  const D = window.ConvDemo;
  const engine = window.convcoreEngine;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  // Chromium keeps the caret of a text box after the box loses the focus (also
  // where the box is then hidden, and `getSelection()` no longer shows it),
  // and while the page holds a caret it lays the page out at the start of
  // every frame, before the frame's callbacks, to place it. A slider, menu or
  // canvas focused after a box then paid for the layout of its every change
  // ahead of its frame (2-2.5 ms a kernel press on the slider). So when the
  // focus goes to a control that is not a text box, a caret is dropped, and
  // a selection left in a text box (the box gets a new one when focused
  // again); text the reader selected on the page stays.
  const TEXT_TYPES = new Set(["text", "number", "search", "url", "email", "tel", "password"]);
  const isTextBox = (el) =>
    el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && TEXT_TYPES.has(el.type));
  function dropStaleCaret(event) {
    if (isTextBox(event.target)) return;
    const selection = document.getSelection();
    if (!selection) return;
    const node = selection.anchorNode;
    const inBox = Boolean(node) && isTextBox(node.childNodes[selection.anchorOffset]);
    if (selection.type !== "Range" || inBox) selection.removeAllRanges();
  }

  function start() {
    const prerender = JSON.parse(document.getElementById("demo-prerender").textContent);
    const token = D.status.begin("start");
    D.status.bind();
    D.controls.bind();
    D.source.bind();
    D.slide.bind();
    D.export.bind();
    D.paint.bind();
    D.probe.bind();
    D.ahead.bind();
    D.result.applyStatic(prerender);
    D.history.applyHash(location.hash.replace(/^#/, ""), true);
    window.addEventListener("hashchange", D.history.onHashChange);
    window.addEventListener("popstate", D.history.onHashChange);
    document.addEventListener("focusin", dropStaleCaret);
    D.stage.observe(token);
    const autoplayWanted = !/(^|[#&])step=/.test(location.hash) && !reducedMotion.matches;
    let pythonSeen = false;
    engine.subscribe((e) => {
      if (e.state !== "python" || pythonSeen) return;
      pythonSeen = true;
      D.compute.prime(autoplayWanted);
    });
    // The digits (230 KB of script, ~20 ms to parse) are only needed for
    // another digit: read when the pointer or focus comes to a control that
    // picks one. Read at once after Python started, their parse held up the
    // first changes made then.
    const wantDigits = () => D.input.loadDigits().catch(() => {});
    for (const id of ["source-digit", "draw-from-digit"]) {
      document.getElementById(id).addEventListener("focusin", wantDigits);
      document.getElementById(id).addEventListener("pointerover", wantDigits);
    }
  }

  // A task of its own: the parser's last task also runs the DOMContentLoaded
  // work (the browser's own form scan lays the page out), and both together
  // came near the 50 ms of a long task on a busy machine.
  D.tables.nextTask(start);
})();
