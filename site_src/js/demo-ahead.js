// Results computed ahead. While the page is idle after a result, Python
// computes the states one key press away from it (demo_ahead): the focused
// control's (ArrowUp and ArrowDown in a number box or a digit menu, a
// weight's or bias's likely next values), then, once the page has been still
// a moment, ArrowUp and ArrowDown in the other number boxes. The page keeps
// every result it gets by the exact key of its state (demo-compute.js stateKey:
// the settings, digit, drawing, weights, biases and upload), so a change to a
// state computed before is shown in the task of its event. One request at a
// time, and none while a change waits for Python, so a change waits for at
// most one state computed ahead; small inputs only (not uploads, not settings
// whose windows take long). Owns the kept results and the queue. May call
// demo-compute.js (stateKey, argsOf, running, shown), demo-controls.js,
// demo-weights.js and demo-source.js (the next states of their controls;
// the weight boxes a new kernel shape needs) and demo-tables.js (nextTask).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { live } = D;
  const engine = window.convcoreEngine;

  const KEPT = 32; // results, oldest out first (Python keeps the last 64 traces)
  const SMALL_INPUT = 3 * 20 * 20; // input values: a digit or a drawing, even in RGB
  const MAX_TAPS = 40000; // products over every window: ~6 ms of Python in the worker

  const kept = new Map(); // state key -> result, in the order they came
  let queue = []; // {key, state} still to ask for
  let asking = null; // {key, promise} being computed
  let enabled = true;

  // The last answer is always kept: a change back to its state while it was
  // on its way shows it without asking again. More only with results ahead
  // on, and for small inputs.
  function remember(key, result) {
    if (!result) return;
    D.tables.keepRecent(kept, key, result, enabled && result.input.length <= SMALL_INPUT ? KEPT : 1);
  }

  function take(key) {
    return kept.get(key) || null;
  }

  function forget(key) {
    kept.delete(key);
  }

  // The answer on its way for state `key`, if it is the one being computed.
  function computing(key) {
    return enabled && asking && asking.key === key ? asking.promise : null;
  }

  // Whether the states next to the shown one are cheap enough to compute
  // without being asked: a small input, and windows that take little time.
  function small(scene) {
    const [kh, kw] = scene.kernel;
    return scene.input.length <= SMALL_INPUT && scene.steps * kh * kw * scene.channels * scene.filters <= MAX_TAPS;
  }

  // The states one key press away from the shown one that are neither kept
  // nor being computed: first those of the focused control, planned in a
  // task after the next frame (so that the change that led here is on screen
  // first); then, once the page has been still for LATER_MS, those of the
  // other number boxes. The windows of the result shown are asked for first.
  // The worker shares two cores with the page: computing every box's next
  // states after each of a run of presses held the page's frames up. The
  // weight boxes a new kernel shape needs are made then too.
  const LATER_MS = 400;
  let planFrame = 0;
  let laterTimer = 0;
  function plan() {
    clearTimeout(laterTimer);
    if (!planFrame) planFrame = requestAnimationFrame(() => D.tables.nextTask(planNow));
  }

  function planNow() {
    planFrame = 0;
    queue = [];
    if (!worthIt()) return;
    const { state } = live;
    // A slider being dragged: the next states that way first, and the
    // windows once it is let go. Asked for before them, a block of windows
    // held the worker 20-40 ms at each new value, and the value after it
    // came before its state had been computed.
    const dragged = D.controls.dragStates(state);
    if (!dragged.length) D.compute.fetchWindowsNow();
    const focused = document.activeElement;
    ask([
      ...dragged,
      ...D.weights.nextStates(state, focused),
      ...D.source.nextStates(state, focused),
      ...D.controls.nextStates(state, focused, false),
    ]);
    const shown = D.compute.shown();
    laterTimer = setTimeout(() => {
      if (D.compute.shown() === shown && worthIt()) ask(D.controls.nextStates(live.state, document.activeElement, true));
    }, LATER_MS);
  }

  function worthIt() {
    const { state, scene } = live;
    return enabled && !D.compute.running() && engine.state === "python" && state.input !== "upload" && scene && small(scene);
  }

  function ask(states) {
    const { state } = live;
    const seen = new Set([D.compute.shown(), ...queue.map((item) => item.key)]);
    for (const next of states) {
      const key = D.compute.stateKey(next);
      if (seen.has(key) || kept.has(key) || computing(key)) continue;
      seen.add(key);
      queue.push({ key, state: next });
      if (next.kernel[0] !== state.kernel[0] || next.kernel[1] !== state.kernel[1]) {
        D.weights.prepare(next);
      }
    }
    pump();
  }

  function pump() {
    if (asking || D.compute.running()) return;
    const item = queue.shift();
    if (!item) return;
    const { args, source } = D.compute.argsOf(item.state);
    args.keep = live.scene.token; // the shown result's trace outlives this one
    const promise = engine.call("demo_ahead", args, { source });
    asking = { key: item.key, promise };
    promise
      .then(
        (result) => {
          if (!enabled) return; // turned off while it was on its way
          remember(item.key, result);
          if (result.out_size) D.tables.prepareValues(document.getElementById("output-values"), ...result.out_size);
        },
        () => {}, // a state that fails is asked for again if it is ever wanted
      )
      .then(() => {
        asking = null;
        pump();
      });
  }

  // Focus on another control changes which states are likely next.
  function bind() {
    document.getElementById("demo").addEventListener("focusin", plan);
  }

  // For the benchmark's "cold" rows and the tests of one request per change:
  // with results ahead off (and only the last answer kept), every change
  // asks Python, as before they existed. Not a control of the page.
  function setEnabled(on) {
    enabled = Boolean(on);
    queue = [];
    if (!enabled) kept.clear();
  }

  D.ahead = { remember, take, forget, computing, plan, bind, setEnabled };
})();
