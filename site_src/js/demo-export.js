// Taking the result away: copy the PyTorch code or the link (the clipboard, or
// a hidden text area where the clipboard is refused; the network page copies
// its code with the same copyText), and save filter 1's output as a PNG. Owns nothing. May call demo-render.js (outputPng) and
// demo-tables.js (el).
(function () {
  "use strict";

  const D = window.ConvDemo;
  const { render: R, tables: T, live } = D;
  const $ = (id) => document.getElementById(id);

  async function copyText(text, done) {
    const status = $("copy-status");
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = done;
    } catch (err) {
      const area = T.el("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand && document.execCommand("copy");
      area.remove();
      status.textContent = ok ? done : "Copying is blocked here: select the text and copy it yourself.";
    }
  }

  async function savePng() {
    if (!live.scene || !live.scene.outSize) return;
    const blob = await R.outputPng(live.scene, 0);
    const url = URL.createObjectURL(blob);
    const [Ho, Wo] = live.scene.outSize;
    const link = T.el("a", null, { href: url, download: `convcore-output-${Ho}x${Wo}.png` });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    $("copy-status").textContent = "Output saved as PNG.";
  }

  function bind() {
    $("copy-code").addEventListener("click", () => copyText($("pytorch-code").textContent, "Code copied."));
    $("copy-link").addEventListener("click", () => copyText(location.href, "Link copied."));
    $("save-png").addEventListener("click", savePng);
  }

  D.export = { bind, copyText };
})();
