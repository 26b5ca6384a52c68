// Where the input comes from, as the page's controls choose it: the source
// radios and the panel they open (upload can be open before a file is chosen),
// the digit pickers and "random digit", and uploads: decoding a file at the
// chosen size, what becomes of transparent parts, and the notices about both.
// Owns the panel shown and which upload's transparency was noted. May call
// demo-state.js (limits), demo-input.js (decoding, the grid), demo-controls.js
// (syncControls, changed), demo-compute.js (running) and demo-status.js.
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { state: S, input: I, live } = D;
  const $ = (id) => document.getElementById(id);

  let uiPanel = null;
  let transparencyNoted = "";

  function panel() {
    return uiPanel || live.state.input;
  }

  // The input becomes `name` (its panel shows, whatever was open).
  function use(name) {
    live.state.input = name;
    uiPanel = null;
  }

  function selectSource(name) {
    uiPanel = name;
    if (name === "upload") {
      D.controls.syncControls();
      if (live.uploaded) {
        use("upload");
        D.controls.changed("input", true);
      }
      return;
    }
    use(name);
    if (name === "draw" && !live.state.pixels) live.state.pixels = new Array(I.SIDE * I.SIDE).fill(0);
    D.controls.syncControls();
    D.controls.changed("input", true);
  }

  async function loadUpload(file, control) {
    const token = D.status.begin("upload");
    D.status.showComputing(true);
    try {
      const image = await I.decode(file, live.state.size);
      const size = live.state.size;
      live.uploaded = Object.assign({ file }, image);
      live.uploads++;
      transparencyNoted = "";
      use("upload");
      D.status.showNotices([
        image.original[0] > size || image.original[1] > size
          ? `${image.name} (${image.original[1]} × ${image.original[0]}) was scaled down to ${image.width} × ${image.height}.`
          : `${image.name} was scaled to ${image.width} × ${image.height}.`,
      ]);
      D.controls.syncControls();
      D.controls.changed(control, true);
    } catch (err) {
      D.status.showNotices([`${err.message} The previous input is kept.`]);
      const { state, uploaded } = live;
      if (uploaded) state.size = uploaded.height === state.size || uploaded.width === state.size ? state.size : Math.max(uploaded.height, uploaded.width);
      D.controls.syncControls();
    } finally {
      $("upload").value = "";
      D.status.showComputing(D.compute.running());
      D.status.end(token);
    }
  }

  // Once for each image, background and size: where its transparent parts went.
  function noteTransparency(scene) {
    const { state, uploaded } = live;
    if (state.input !== "upload" || !scene.transparent) return;
    const key = `${uploaded && uploaded.name}|${state.background}|${state.size}`;
    if (transparencyNoted === key) return;
    transparencyNoted = key;
    D.status.showNotices([
      `${uploaded ? uploaded.name : "The image"} has transparent parts; they were put on ${state.background} (${state.background === "black" ? 0 : 1}) before converting. Change it under “Transparent parts become”.`,
    ], true);
  }

  // The digits one ArrowUp or ArrowDown away in the focused class or sample
  // menu whose values are here (see demo-ahead.js).
  function nextStates(state, focused) {
    const stride = { "digit-class": 1, "digit-sample": 10 }[focused && focused.id];
    if (state.input !== "digit" || !stride) return [];
    const out = [];
    for (const delta of [stride, -stride]) {
      const digit = state.digit + delta;
      const sameSample = stride === 10 || Math.floor(digit / 10) === Math.floor(state.digit / 10);
      if (!sameSample || digit < S.LIMITS.digit[0] || digit > S.LIMITS.digit[1] || !I.hasDigit(digit)) continue;
      const next = S.cloneState(state);
      next.digit = digit;
      out.push(next);
    }
    return out;
  }

  function bind() {
    for (const radio of document.querySelectorAll("input[name=input]")) {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        selectSource(radio.value);
      });
    }
    const pickDigit = () => {
      live.state.digit = (Number($("digit-sample").value) - 1) * 10 + Number($("digit-class").value);
      D.controls.changed("digit", true);
    };
    $("digit-class").addEventListener("change", pickDigit);
    $("digit-sample").addEventListener("change", pickDigit);
    $("random-digit").addEventListener("click", () => {
      const state = live.state;
      let next = state.digit;
      while (next === state.digit) next = Math.floor(Math.random() * 120);
      state.digit = next;
      use("digit");
      D.controls.syncControls();
      D.controls.changed("digit", true);
    });
    $("upload").addEventListener("change", () => {
      const file = $("upload").files[0];
      if (file) loadUpload(file, "upload");
    });
    $("upload-size").addEventListener("change", () => {
      const state = live.state;
      const n = S.toNumber($("upload-size").value);
      const [lo, hi] = S.LIMITS.size;
      const size = Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.round(n))) : state.size;
      $("upload-size").value = String(size);
      if (size === state.size) return;
      state.size = size;
      if (live.uploaded) loadUpload(live.uploaded.file, "upload-size");
    });
    $("background").addEventListener("change", () => {
      live.state.background = $("background").value === "white" ? "white" : "black";
      D.controls.changed("background", true);
    });
  }

  D.source = { panel, use, noteTransparency, nextStates, bind };
})();
