// The settings in the URL hash and the browser's history. Owns the hash this
// page last wrote or applied and the gesture in progress (the control whose
// changes replace one history entry instead of adding one each). applyHash is
// the one place that replaces live.state: on start, Back/Forward and edited
// links. May call demo-state.js (parseHash, toHash), demo-slide.js (stop),
// demo-compute.js (requestCompute), demo-controls.js (sync) and
// demo-status.js (notices).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { state: S, live } = D;

  let lastHash = null;
  let gesture = null;

  function baseUrl() {
    return location.href.split("#")[0];
  }

  // mode "push": a new history entry (the first change of a gesture);
  // "replace": overwrite the current one (later changes of the same gesture).
  // Writing the history costs the main thread 2-20 ms here, so the link is
  // written once the result is on screen: in a task after the first frame
  // that follows "ready", once for all the changes made until then (a push
  // if any of them was one).
  let hashMode = null;
  let hashFrame = 0;
  function writeHash(mode) {
    if (hashMode !== "push") hashMode = mode;
    // while Python starts, results are seconds away: the link follows at once
    if (!D.status.isBusy() || window.convcoreEngine.state !== "python") scheduleHash();
  }

  function scheduleHash() {
    if (!hashMode || hashFrame) return;
    hashFrame = requestAnimationFrame(() => D.tables.nextTask(flushHash));
  }

  function flushHash() {
    hashFrame = 0;
    const mode = hashMode;
    hashMode = null;
    if (!mode) return;
    const hash = S.toHash(live.state);
    if (hash === lastHash) return;
    lastHash = hash;
    const url = hash ? `#${hash}` : baseUrl();
    if (mode === "push") history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  function commit(control, final) {
    if (control && gesture === control) writeHash("replace");
    else writeHash("push");
    gesture = final ? null : control;
  }

  function endGesture() {
    gesture = null;
  }

  function onHashChange() {
    const hash = location.hash.replace(/^#/, "");
    if (hash === lastHash) return;
    applyHash(hash, false);
  }

  function applyHash(hash, first) {
    hashMode = null; // the address bar's link wins over one not yet written
    const { state: next, notices } = S.parseHash(hash);
    D.slide.stop(false);
    if (next.input === "upload" && !live.uploaded) {
      notices.push("The uploaded image is not part of the link (it never leaves your computer), so the digit is shown instead.");
      next.input = "digit";
    }
    live.state = next;
    lastHash = S.toHash(next);
    // The request goes to the worker before anything else. The pre-rendered
    // view is this very state: nothing to compute yet.
    if (!(first && live.scene && lastHash === live.scene.hash)) D.compute.requestCompute();
    D.status.showNotices(notices);
    if (lastHash !== hash) history.replaceState(null, "", lastHash ? `#${lastHash}` : baseUrl());
    if (first) D.controls.syncControls();
    else D.controls.syncControlsWithResult();
  }

  D.history = { writeHash, scheduleHash, commit, endGesture, applyHash, onHashChange };
})();
