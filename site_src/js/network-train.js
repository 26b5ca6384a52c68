// The trainer: its settings, Start / Pause / Step / Reset, and one loop that
// talks to Python a slice at a time (network_train, network_measure; at most
// ~40 ms each), so a stroke or a pause is answered between two slices. While
// running it measures the held-out accuracy every MEASURE_EVERY examples,
// interleaving those slices with training (they are not counted in the
// examples per second); paused, it measures the weights once if they
// changed. The kernels and the sample's maps are redrawn a few times a
// second. Training never holds <html data-state>: [data-testid=train-status]
// is idle, running or paused. Owns ConvNet.live.run.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const M = ConvNet.maps;
  const T = ConvDemo.tables;
  const $ = (id) => document.getElementById(id);
  const SLICE_MS = 40;
  const SNAPSHOT_MS = 250;
  const MEASURE_EVERY = 1000;
  const RATE_WINDOW_MS = 3000;

  const run = {
    key: "", // the settings of the run Python holds ("" before the first)
    dirty: true, // the settings changed: a new run is needed
    wantRun: false,
    steps: 0, // Step presses still to do
    seen: 0,
    measuring: false,
    pausing: false, // Pause pressed while a training slice may be in flight
    started: false, // trained, or asked to, since the run's fresh weights (a slice may end mid-batch)
    measured: -1, // examples seen when the last measurement began
    working: false,
    lastSnapshot: 0,
    slices: [], // recent training slices: [time, examples, wall ms]
    model: null, // the run's layer titles, for captions
  };

  function state() {
    return ConvNet.live.state;
  }

  function setText(id, text) {
    const node = $(id);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function status() {
    return run.wantRun ? "running" : run.started ? "paused" : "idle";
  }

  function showStatus() {
    setText("train-status", status());
    setText("train-seen", String(run.seen));
    $("train-start").disabled = run.wantRun;
    $("train-pause").disabled = !run.wantRun;
    $("train-step").disabled = run.wantRun;
  }

  function announce(text) {
    setText("train-announce", text);
  }

  function rate() {
    const now = performance.now();
    run.slices = run.slices.filter(([t]) => now - t < RATE_WINDOW_MS);
    const examples = run.slices.reduce((a, s) => a + s[1], 0);
    const ms = run.slices.reduce((a, s) => a + s[2], 0);
    return ms > 0 ? Math.round((1000 * examples) / ms) : 0;
  }

  // ------------------------------------------------------------- drawing

  function mapFigure(holder, i) {
    let figure = holder.children[i];
    if (!figure) {
      figure = holder.appendChild(T.el("figure", null, { class: "run-map" }));
      figure.appendChild(T.el("figcaption"));
      figure.appendChild(T.el("canvas", null, { role: "img" }));
    }
    return figure;
  }

  // The run's kernels, and its conv layers' maps of the sample digit.
  function drawRun(snapshot) {
    const holder = $("run-maps");
    if (!holder) return;
    run.model = snapshot.sample.model;
    let kernels = holder.querySelector(".kernel-list");
    if (!kernels) {
      holder.appendChild(T.el("h4", "The run’s kernels"));
      kernels = holder.appendChild(T.el("div", null, { class: "kernel-list" }));
      holder.appendChild(T.el("h4", "Its conv layers on a sample digit (shipped digit 0)"));
      holder.appendChild(T.el("div", null, { class: "sample-list" }));
    }
    ConvNet.layers.drawKernelList(kernels, snapshot.kernels, run.model, "The run's kernels");
    const samples = holder.querySelector(".sample-list");
    const layers = snapshot.kernels.map((k) => k.layer);
    layers.forEach((index, i) => {
      const layer = snapshot.sample.layers[index];
      const figure = mapFigure(samples, i);
      const title = `${index} · ${run.model[index].title}`;
      const text = `${title}: ${M.mapsText(layer.shape)}`;
      if (figure.firstChild.textContent !== text) figure.firstChild.textContent = text;
      const canvas = figure.querySelector("canvas");
      M.draw(canvas, layer.values, layer.shape, layer.grid, false, null);
      canvas.setAttribute("aria-label", `${text} of the sample digit, values from ${ConvDemo.render.shortNumber(layer.low)} to ${ConvDemo.render.shortNumber(layer.high)}.`);
    });
  }

  // The newest snapshot, drawn in the next frame: the worker's answer is
  // handled in a short task, and a snapshot overtaken by a newer one is never drawn.
  let pending = null;
  function drawSoon(snapshot) {
    if (pending === null) {
      requestAnimationFrame(() => {
        const newest = pending;
        pending = null;
        if (newest) drawRun(newest); // null: a reset has drawn its fresh run since
      });
    }
    pending = snapshot;
  }

  // ---------------------------------------------------------- the loop

  function settings() {
    const s = state();
    return { seed: s.seed, widths: s.widths, opt: s.opt, lr: s.lr, batch: s.batch };
  }

  async function reset() {
    const snapshot = await ConvNet.status.call("network_reset", settings(), { sample: ConvNet.live.sample });
    run.key = ConvNet.state.runKey(state());
    run.dirty = false;
    run.seen = 0;
    run.measuring = false;
    run.measured = -1;
    run.slices = [];
    pending = null;
    ConvNet.curves.clear();
    setText("train-rate", "");
    setText("train-loss", "");
    setText("heldout-accuracy", "");
    drawRun(snapshot);
    showStatus();
  }

  function measureDue() {
    if (run.measuring || run.seen === 0 || run.dirty) return false;
    return run.wantRun ? run.seen - run.measured >= MEASURE_EVERY : run.seen !== run.measured;
  }

  async function measureSlice() {
    const answer = await ConvNet.status.call("network_measure", { ms: SLICE_MS, start: !run.measuring });
    if (run.dirty) return;
    if (!run.measuring) run.measured = answer.seen;
    run.measuring = answer.done < answer.count;
    if (run.measuring) return;
    const share = `${(100 * answer.accuracy).toFixed(1)}%`;
    setText("heldout-accuracy", share);
    ConvNet.curves.addAccuracy(answer.seen, answer.accuracy);
    ConvNet.curves.draw();
    announce(`After ${answer.seen} examples: held-out accuracy ${share} (${answer.correct} of ${answer.count}).`);
  }

  async function trainSlice() {
    const now = performance.now();
    const snapshot = now - run.lastSnapshot > SNAPSHOT_MS;
    const stepping = !run.wantRun;
    const answer = await ConvNet.status.call("network_train", { ms: SLICE_MS, until_step: stepping, snapshot });
    const done = performance.now();
    if (run.dirty) return;
    if (stepping && answer.losses.length) run.steps -= answer.losses.length;
    run.slices.push([done, answer.seen - run.seen, done - now]);
    run.seen = answer.seen;
    ConvNet.curves.addLosses(answer.seen_at, answer.losses);
    if (answer.losses.length) setText("train-loss", answer.losses[answer.losses.length - 1].toFixed(4));
    if (snapshot) {
      run.lastSnapshot = done;
      drawSoon(answer);
      setText("train-rate", String(rate()));
    }
    // The slice that was in flight when Pause was pressed, or a Step: its
    // examples are the last ones, so the curves and the sentence count them.
    if (snapshot || !run.wantRun) ConvNet.curves.draw();
    if (run.pausing) announce(`Paused after ${run.seen} examples.`);
    run.pausing = false;
    showStatus();
  }

  // One loop at a time, while there is anything to do: a new run, training,
  // steps, a measurement. A measurement's slices alternate with training's.
  async function work() {
    if (run.working) return;
    run.working = true;
    try {
      for (;;) {
        if (run.dirty) await reset();
        const training = run.wantRun || run.steps > 0;
        if (!training && !run.measuring && !measureDue()) break;
        if (training) await ConvNet.data.load();
        if (run.measuring || measureDue()) await measureSlice();
        if (!run.dirty && (run.wantRun || run.steps > 0)) await trainSlice();
      }
    } catch (err) {
      run.wantRun = false;
      run.steps = 0;
      run.measuring = false;
      announce(`Training stopped: ${ConvNet.status.errorText(err)}`);
    } finally {
      run.working = false;
      showStatus();
      ConvNet.curves.draw();
      if (run.slices.length) setText("train-rate", String(rate()));
    }
  }

  function start() {
    run.wantRun = true;
    run.started = true;
    run.pausing = false;
    announce("Training…");
    showStatus();
    work();
  }

  // Said at once: the request in flight may be a held-out measurement, whose
  // slices go on (and start again for the last examples) without training.
  function pause() {
    run.wantRun = false;
    run.pausing = true;
    announce(`Paused after ${run.seen} examples.`);
    showStatus();
  }

  // New settings, or Reset: fresh weights from the seed, nothing trained.
  function restart(why) {
    run.wantRun = false;
    run.pausing = false;
    run.started = false;
    run.steps = 0;
    run.dirty = true;
    announce(why);
    work();
  }

  // ------------------------------------------------------------ settings

  const FIELDS = {
    lr: "train-lr",
    batch: "train-batch",
    opt: "train-opt",
    widths: "train-widths",
    seed: "train-seed",
  };

  function read(key) {
    const field = $(FIELDS[key]);
    const limits = ConvNet.live.limits;
    const S = ConvNet.state;
    if (key === "opt") return limits.opt.includes(field.value) ? field.value : null;
    if (key === "widths") {
      const found = S.parseWidths(field.value, state().widths.length, limits.width, state().widths);
      return found.why ? null : found.value;
    }
    if (key === "lr") {
      const n = S.toNumber(field.value);
      return n >= limits.lr[0] && n <= limits.lr[1] ? n : null;
    }
    const found = S.whole(field.value, limits[key], 0);
    return found.why ? null : found.value;
  }

  // Show a state that came from elsewhere (the hash) in the fields.
  function sync() {
    const s = state();
    for (const [key, id] of Object.entries(FIELDS)) {
      $(id).value = key === "widths" ? s.widths.join(",") : String(s[key]);
      $(id).setAttribute("aria-invalid", "false");
    }
  }

  // The hash changed: a run with other settings starts afresh.
  function settingsChanged() {
    if (ConvNet.state.runKey(state()) !== run.key && run.key) restart("New settings: fresh weights from the seed.");
  }

  function bind() {
    if (!$("train-form")) return;
    $("train-form").addEventListener("submit", (event) => event.preventDefault());
    for (const [key, id] of Object.entries(FIELDS)) {
      $(id).addEventListener("change", () => {
        const value = read(key);
        $(id).setAttribute("aria-invalid", value === null ? "true" : "false");
        if (value === null) {
          announce(`${$(id).labels[0].textContent}: ${$(id).value} is not allowed; the run keeps its settings.`);
          return;
        }
        state()[key] = value;
        ConvNet.status.writeHash(state(), ConvNet.live.defaults);
        if (ConvNet.state.runKey(state()) !== run.key) restart("New settings: fresh weights from the seed.");
      });
    }
    $("train-start").addEventListener("click", start);
    $("train-pause").addEventListener("click", pause);
    $("train-step").addEventListener("click", () => {
      run.steps++;
      run.started = true;
      work();
    });
    $("train-reset").addEventListener("click", () => restart("Reset: fresh weights from the seed."));
    $("train-use").addEventListener("click", use);
    $("train-download").addEventListener("click", download);
    const classifier = $("widget-classify");
    if (!classifier || classifier.hidden) $("train-use").hidden = true; // embedded alone
  }

  // The run's weights as they are now, into the classifier.
  async function use() {
    await work();
    try {
      const answer = await ConvNet.status.call("network_use", {});
      setText("train-saved", `The classifier now uses these weights (after ${answer.seen} examples).`);
      ConvNet.view.useModel("trained");
    } catch (err) {
      setText("train-saved", `The weights could not be used: ${ConvNet.status.errorText(err)}`);
    }
  }

  async function download() {
    try {
      if (run.dirty) await work();
      const text = await ConvNet.status.call("network_weights", { model: "run" });
      const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      const s = state();
      const link = T.el("a", null, { href: url, download: `convcore-digits-seed${s.seed}-${run.seen}.json` });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      setText("train-saved", "Weights saved: convcore.load_model(path) reads them.");
    } catch (err) {
      setText("train-saved", `The weights could not be saved: ${ConvNet.status.errorText(err)}`);
    }
  }

  // The build's fresh run (the default settings): shown until Python has its own.
  function adopt(prerender) {
    if (ConvNet.state.runKey(state()) === ConvNet.state.runKey(prerender.defaults)) drawRun(prerender.run);
    showStatus();
  }

  ConvNet.train = { bind, sync, adopt, work, status, settingsChanged };
})();
