// The classifier's input controls: which input (a shipped digit, a held-out
// digit, a drawing), the two digit numbers, "Show me a mistake" and "Use the
// shipped model". A control writes ConvNet.live.state, then asks for a new
// view; sync shows a state that came from elsewhere (the hash, a mistake).
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const $ = (id) => document.getElementById(id);

  function state() {
    return ConvNet.live.state;
  }

  function sync() {
    const s = state();
    for (const radio of document.querySelectorAll("input[name=net-input]")) radio.checked = radio.value === s.input;
    for (const [id, key] of [["net-digit", "digit"], ["net-heldout", "heldout"]]) {
      const field = $(id);
      if (Number(field.value) !== s[key] || field.value.trim() === "") field.value = String(s[key]);
      field.setAttribute("aria-invalid", "false");
    }
    $("draw-pad-box").hidden = s.input !== "draw";
    if (s.input === "draw") ConvNet.pad.draw();
  }

  // A digit field's whole number in range, or null (marked invalid).
  function fieldValue(field) {
    const n = ConvNet.state.toNumber(field.value);
    const ok = Number.isInteger(n) && n >= Number(field.min) && n <= Number(field.max);
    field.setAttribute("aria-invalid", ok ? "false" : "true");
    return ok ? n : null;
  }

  function bind() {
    if (!$("classify-form")) return;
    $("classify-form").addEventListener("submit", (event) => event.preventDefault());
    for (const radio of document.querySelectorAll("input[name=net-input]")) {
      radio.addEventListener("change", () => {
        if (!radio.checked) return;
        const s = state();
        s.input = radio.value;
        if (s.input === "draw" && !s.pixels) s.pixels = new Array(ConvDemo.input.SIDE ** 2).fill(0);
        sync();
        ConvNet.view.changed();
      });
    }
    for (const [id, key] of [["net-digit", "digit"], ["net-heldout", "heldout"]]) {
      $(id).addEventListener("input", () => {
        const value = fieldValue($(id));
        const s = state();
        if (value === null || (value === s[key] && s.input === key)) return;
        s[key] = value;
        s.input = key;
        sync();
        ConvNet.view.changed();
      });
    }
    $("show-mistake").addEventListener("click", () => ConvNet.view.mistake());
    $("use-shipped").addEventListener("click", () => ConvNet.view.useModel("shipped"));
    // The shipped digits' script (230 KB) only when a control that picks one is near.
    const wantDigits = () => ConvDemo.input.loadDigits().catch(() => {});
    $("net-digit").addEventListener("focus", wantDigits);
    $("net-digit").addEventListener("pointerover", wantDigits);
  }

  ConvNet.controls = { sync, bind };
})();
