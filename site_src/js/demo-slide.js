// The slide: which window of the result is shown (live.view.step; the last one
// is state.step null, so links stay short), stepping, scrubbing, and playing at
// the chosen speed on animation frames; the player's buttons, scrubber and
// speed. Owns the animation's clock. May call demo-state.js (speeds),
// demo-stage.js (draw), demo-compute.js (requestWindow), demo-history.js
// (writeHash) and demo-status.js (announce).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { state: S, tables: T, live } = D;
  const $ = (id) => document.getElementById(id);

  let lastFrame = 0;
  let pending = 0; // steps due but not taken yet (a fraction of one at most)

  function positionOf(step) {
    const Wo = live.scene.outSize[1];
    return [Math.floor(step / Wo), step % Wo];
  }

  function setStep(step, how) {
    const { scene, view, state } = live;
    if (!scene || !scene.outSize) return;
    // busy until the step is shown: within this task when its window is here
    const token = how === "play" ? null : D.status.begin("step");
    const last = scene.steps - 1;
    view.step = Math.max(0, Math.min(last, step));
    state.step = view.step === last ? null : view.step;
    D.stage.draw();
    updatePlayer();
    D.compute.requestWindow();
    if (token) {
      D.history.writeHash("replace");
      D.status.announce(stepText());
      D.status.end(token);
    }
  }

  function stepText() {
    const { scene, view } = live;
    const [r, q] = positionOf(view.step);
    const value = scene.output[view.step];
    return `Step ${view.step + 1} of ${scene.steps}: output row ${r}, column ${q} = ${String(value)}`;
  }

  function play() {
    const { scene, view } = live;
    if (!scene || !scene.outSize) return;
    if (view.step >= scene.steps - 1) setStep(0, "play");
    view.playing = true;
    lastFrame = performance.now();
    pending = 0;
    D.status.announce(`Playing from step ${view.step + 1} of ${scene.steps}, ${S.SPEEDS[live.state.speed - 1]} steps a second.`);
    updatePlayer();
    requestAnimationFrame(tick);
  }

  function tick(now) {
    const { scene, view } = live;
    if (!view.playing || !scene || !scene.outSize) return;
    pending += ((now - lastFrame) * S.SPEEDS[live.state.speed - 1]) / 1000;
    lastFrame = now;
    const n = Math.floor(pending);
    if (n > 0) {
      pending -= n;
      setStep(view.step + n, "play");
    }
    if (view.step >= scene.steps - 1) {
      stop(true);
      D.status.announce(`Done: all ${scene.steps} windows computed. ${stepText()}`);
    } else requestAnimationFrame(tick);
  }

  function stop(write) {
    if (!live.view.playing) return;
    live.view.playing = false;
    updatePlayer();
    if (write) D.history.writeHash("replace");
  }

  function pause() {
    stop(true);
    D.status.announce(`Paused. ${stepText()}`);
  }

  function jump(step) {
    stop(false);
    const scene = live.scene;
    if (scene && scene.outSize) setStep(step === Infinity ? scene.steps - 1 : step, "step");
  }

  // Written only where something changed: a range input's new value or a
  // button's new text is laid out again even when it is the same.
  function updatePlayer() {
    const { scene, view } = live;
    const ok = Boolean(scene && scene.outSize);
    const last = ok ? scene.steps - 1 : 0;
    const scrub = $("scrub");
    if (scrub.max !== String(last)) scrub.max = String(last);
    if (scrub.value !== String(ok ? view.step : 0)) scrub.value = String(ok ? view.step : 0);
    scrub.disabled = !ok;
    T.setAttr(scrub, "aria-valuetext", ok ? `step ${view.step + 1} of ${scene.steps}` : "no output");
    const playButton = $("play");
    T.setText(playButton, view.playing ? "❚❚ Pause" : "▶ Play");
    T.setAttr(playButton, "aria-pressed", String(view.playing));
    for (const id of ["play", "step-first", "step-back", "step-forward", "step-last"]) $(id).disabled = !ok;
    if ($("speed").value !== String(live.state.speed)) $("speed").value = String(live.state.speed);
    T.setText($("speed-text"), `${S.SPEEDS[live.state.speed - 1]} steps/s`);
  }

  function bind() {
    $("speed").addEventListener("input", () => {
      live.state.speed = Number($("speed").value);
      updatePlayer();
      D.history.writeHash("replace");
    });
    $("scrub").addEventListener("input", () => {
      stop(false);
      setStep(Number($("scrub").value), "scrub");
    });
    $("play").addEventListener("click", () => (live.view.playing ? pause() : play()));
    $("step-first").addEventListener("click", () => jump(0));
    $("step-back").addEventListener("click", () => jump(live.view.step - 1));
    $("step-forward").addEventListener("click", () => jump(live.view.step + 1));
    $("step-last").addEventListener("click", () => jump(Infinity));
  }

  D.slide = { positionOf, stepText, play, stop, jump, updatePlayer, bind };
})();
