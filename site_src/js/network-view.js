// The classifier: which digit (shipped, held-out, or drawn), one
// network_view request per change (the latest wins: changes made while one
// is answered are sent as one), and what it answers: the probabilities (the
// contract's table, whose rows are also the bar chart), the prediction, the
// model in use, then every layer (network-layers.js). Owns ConvNet.live.view,
// the settings it was computed for, and "Show me a mistake". When Python
// cannot start or raised, the page settles, keeps what it shows, and says
// which settings that is ([data-testid=shown-settings]) and why.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const I = ConvDemo.input;
  const $ = (id) => document.getElementById(id);

  let wanted = 0;
  let running = false;
  let token = null;
  let shown = { key: "", state: null, model: "shipped", built: true };

  function live() {
    return ConvNet.live;
  }

  function pixelsOf(state) {
    if (state.input === "draw") return I.levelValues(state.pixels);
    if (state.input === "digit") return I.digitValues(state.digit);
    return null;
  }

  function currentKey() {
    return ConvNet.state.viewKey(live().state, live().model);
  }

  function describe(s, model) {
    const input = s.input === "draw" ? "your drawing" : s.input === "heldout" ? `held-out digit ${s.heldout}` : `shipped digit ${s.digit}`;
    return `${input}, ${model === "trained" ? "with the weights you trained" : "with the shipped model"}`;
  }

  function showShown() {
    const box = $("shown-settings");
    if (!box) return;
    const differs = shown.state !== null && shown.key !== currentKey();
    box.hidden = !differs;
    const text = differs ? `The probabilities and pictures show ${describe(shown.state, shown.model)}${shown.built ? ", computed when the site was built" : ""}; not the input chosen above.` : "";
    if (box.textContent !== text) box.textContent = text;
  }

  // The input or model changed: ask for the new view.
  function changed() {
    wanted++;
    if (!token) token = ConvNet.status.begin("view");
    showShown();
    ConvNet.status.writeHash(live().state, live().defaults);
    if (!running) loop();
  }

  async function needs(state) {
    if (state.input === "heldout") await ConvNet.data.load();
    if (state.input === "digit" && !I.hasDigit(state.digit)) await I.loadDigits();
  }

  async function loop() {
    running = true;
    for (;;) {
      const asked = wanted;
      const state = ConvNet.state.clone(live().state);
      const key = currentKey();
      let result = null;
      let error = null;
      try {
        await needs(state);
        const args = { model: live().model, kind: state.input, index: state.heldout, layer: state.layer, at: state.at || [0] };
        const pixels = pixelsOf(state);
        if (!$("network-pytorch-code")) args.code = false;
        result = await ConvNet.status.call("network_view", args, pixels ? { pixels } : {});
      } catch (err) {
        error = err;
      }
      if (asked !== wanted) continue;
      if (result) apply(result, state, key);
      else failed(error);
      break;
    }
    running = false;
    const done = token;
    token = null;
    ConvNet.status.end(done);
  }

  function apply(result, state, key) {
    const view = (live().view = result);
    live().fromPython = true;
    shown = { key, state, model: result.source, built: false };
    showProbabilities(view.probabilities, view.prediction);
    showModel(result.source);
    if (view.pick) ConvNet.layers.adoptPick(view.pick);
    ConvNet.layers.show(view);
    showCode(view);
    const share = (100 * view.probabilities[view.prediction]).toFixed(1);
    $("classify-status").textContent = `Prediction: ${view.prediction}, with probability ${share}%.`;
    showShown();
  }

  function failed(error) {
    showShown();
    if (shown.key === currentKey()) return;
    ConvNet.status.showNotices([`This input could not be classified: ${ConvNet.status.errorText(error)}`], true);
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  // Each row: the class, and its probability as String(number) over a bar of its share.
  function showProbabilities(probabilities, prediction) {
    const rows = $("probabilities").tBodies[0].rows;
    for (let k = 0; k < rows.length; k++) {
      const td = rows[k].cells[1];
      const bar = td.firstChild;
      const text = String(probabilities[k]);
      if (td.lastChild === bar) td.appendChild(document.createTextNode(text));
      else if (td.lastChild.data !== text) td.lastChild.data = text;
      bar.style.width = `${(100 * probabilities[k]).toFixed(2)}%`;
      rows[k].classList.toggle("predicted", k === prediction);
    }
    setText($("prediction"), String(prediction));
    setText($("prediction-share"), `(${(100 * probabilities[prediction]).toFixed(1)}%)`);
  }

  function showCode(view) {
    const code = $("network-pytorch-code");
    if (code && view.code) setText(code, view.code);
  }

  function showModel(source) {
    setText($("model-source"), source);
    setText(
      $("model-text"),
      source === "trained" ? "the weights you trained below (“Use these weights”)" : "the network trained by tools/train_digits.py (convcore.digits_model())",
    );
    $("use-shipped").hidden = source !== "trained";
  }

  // The build's view (shipped digit 0): its bars, and the settings it shows.
  function adopt(prerender) {
    const view = prerender.view;
    live().view = view;
    shown = { key: ConvNet.state.viewKey(prerender.defaults, "shipped"), state: ConvNet.state.clone(prerender.defaults), model: "shipped", built: true };
    I.knowDigit(prerender.defaults.digit, view.input);
    showProbabilities(view.probabilities, view.prediction);
    showCode(view);
    showShown();
  }

  // "Show me a mistake": the next held-out digit the model in use gets wrong.
  async function mistake() {
    const held = ConvNet.status.begin("mistake");
    const state = live().state;
    try {
      await ConvNet.data.load();
      let ask = { model: live().model, start: state.input === "heldout" ? state.heldout + 1 : 0, checked: 0, ms: 40 };
      for (;;) {
        const answer = await ConvNet.status.call("network_mistake", ask);
        if (answer.found !== undefined) {
          state.input = "heldout";
          state.heldout = answer.found;
          ConvNet.controls.sync();
          changed();
          break;
        }
        if (answer.none) {
          ConvNet.status.showNotices(["The model in use gets every held-out digit right: no mistake to show."], true);
          break;
        }
        ask = Object.assign({}, ask, { start: answer.next, checked: answer.checked });
      }
    } catch (err) {
      ConvNet.status.showNotices([`No mistake could be looked for: ${ConvNet.status.errorText(err)}`], true);
    } finally {
      ConvNet.status.end(held);
    }
  }

  function useModel(name) {
    live().model = name;
    changed();
  }

  ConvNet.view = { changed, adopt, mistake, useModel, showShown };
})();
