// The 10,000 training and held-out digits (data/mnist.js, 2 MB: a classic
// script, as file:// pages cannot fetch), loaded only when a held-out digit,
// a mistake or training needs them, and handed to the worker once, as
// bytes; Python reads them back into the desktop's floats
// (site_src/py/network_data.py). The demo never loads them.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const $ = (id) => document.getElementById(id);
  let loading = null;

  function say(text) {
    const box = $("data-status");
    if (box && box.textContent !== text) box.textContent = text;
  }

  // A classic script of the build's data, which sets window[name]; resolves with its value.
  function script(src, name) {
    if (window[name] !== undefined) return Promise.resolve(window[name]);
    return new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = src;
      tag.onload = () => resolve(window[name]);
      tag.onerror = () => reject(new Error(`${src} could not be loaded next to this page`));
      document.head.appendChild(tag);
    });
  }

  function bytesOf(b64) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(b64);
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // Resolves once the worker holds the digits ({train, heldout} counts).
  function load() {
    if (!loading) {
      say("Loading the 10,000 training and held-out digits (2 MB)…");
      loading = script("data/mnist.js", "CONVCORE_MNIST")
        .then((b64) => ConvNet.status.call("network_data", {}, { data: bytesOf(b64) }))
        .then((counts) => {
          say(`${counts.train.toLocaleString("en")} training and ${counts.heldout.toLocaleString("en")} held-out digits loaded.`);
          return counts;
        });
      loading.catch((err) => {
        loading = null;
        say(`The digits could not be loaded: ${ConvNet.status.errorText(err)}`);
      });
    }
    return loading;
  }

  ConvNet.data = { load, script };
})();
