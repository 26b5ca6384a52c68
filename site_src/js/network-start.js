// The network page's start (network.html, and embed.html's classify and
// train widgets): it reads the build's view, applies the URL hash, wires the
// network-*.js files together and, once Python is ready, has the worker
// compute the view and the run itself. Each network-*.js file owns one
// concern and says what it owns and whom it calls; they share ConvNet
// (classic scripts: file:// pages may not load modules) and ConvNet.live:
// `state` (the settings shown: input, picked pixel, training), `defaults` and
// `limits` (from the build), `model` ("shipped" or "trained"), `view` (the
// last view: the build's, then Python's), `fromPython`, and `sample` (the
// digit whose maps the trainer shows). The demo's shared parts come first in
// the bundle (demo-render, -tables, -input, -export.js: build.py's
// SCRIPT_BUNDLES), this file last.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const engine = window.convcoreEngine;
  const $ = (id) => document.getElementById(id);

  function shows(id) {
    const node = $(id);
    return Boolean(node) && !node.closest("[hidden]");
  }

  // Apply a hash: the classifier's view and the run follow it.
  function applyHash(prerender, first) {
    const layers = prerender.view.layers.length;
    const { state, notices } = ConvNet.state.parseHash(location.hash, prerender.defaults, prerender.limits, layers);
    ConvNet.live.state = state;
    ConvNet.status.showNotices(notices, !first);
    if ($("classify-form")) ConvNet.controls.sync();
    if ($("train-form")) ConvNet.train.sync();
    ConvNet.status.writeHash(state, prerender.defaults);
    const defaults = prerender.defaults;
    const same =
      ConvNet.state.viewKey(state, "shipped") === ConvNet.state.viewKey(defaults, "shipped") &&
      state.layer === defaults.layer &&
      (state.at || []).join(",") === defaults.at.join(",");
    return same;
  }

  // The build's view comes in a script of its own (data/network.js, three
  // quarters of the page's bytes), asked for once the page is parsed, so
  // the page paints its pre-rendered first view without waiting for it.
  function load() {
    if (!(shows("widget-classify") || shows("widget-train"))) return;
    ConvNet.data.script("data/network.js", "CONVCORE_NETWORK").then(start, (err) => {
      ConvNet.status.showNotices([`The page could not start: ${err.message}`], true);
    });
  }

  function start(prerender) {
    const classifier = shows("widget-classify");
    ConvNet.live = {
      state: null,
      defaults: prerender.defaults,
      limits: prerender.limits,
      model: "shipped",
      view: prerender.view,
      fromPython: false,
      sample: Float64Array.from(prerender.view.input),
    };
    ConvNet.status.bind();
    ConvNet.controls.bind();
    ConvNet.pad.bind();
    ConvNet.layers.bind();
    ConvNet.train.bind();
    const copy = $("copy-code");
    if (copy) copy.addEventListener("click", () => ConvDemo.export.copyText($("network-pytorch-code").textContent, "Code copied."));
    let same = applyHash(prerender, true);
    if (classifier) {
      ConvNet.view.adopt(prerender);
      if (same) ConvNet.layers.adoptPick(prerender.view.pick);
      ConvNet.layers.show(prerender.view);
      if (!same) ConvNet.view.changed();
    }
    ConvNet.train.adopt(prerender);
    window.addEventListener("hashchange", () => {
      same = false;
      applyHash(prerender, false);
      if (classifier) ConvNet.view.changed();
      ConvNet.train.settingsChanged();
    });
    let primed = false;
    engine.subscribe((e) => {
      if (e.state !== "python" || primed) return;
      primed = true;
      // The worker computes what the build computed (and warms up): from
      // now on every number shown is the page's own.
      if (classifier && same) ConvNet.view.changed();
      ConvNet.train.work();
    });
  }

  ConvDemo.tables.nextTask(load);
})();
