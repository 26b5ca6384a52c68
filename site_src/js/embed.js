// embed.html: show the one widget named in the hash (#widget=NAME&...), alone,
// with its settings in the hash; without a (known) name, list the widgets.
// Runs before learn-common.js mounts the widgets, so hidden ones stay unmounted.
(function () {
  "use strict";

  const stage = document.querySelector("[data-testid=embed-stage]");
  const chooser = document.querySelector("[data-testid=embed-chooser]");

  function choose() {
    const name = new URLSearchParams(location.hash.slice(1)).get("widget") || "";
    let found = null;
    for (const el of stage.querySelectorAll("[data-widget]")) {
      const on = el.dataset.widget === name;
      el.hidden = !on;
      if (on) found = el;
    }
    chooser.hidden = Boolean(found);
    if (found) {
      stage.dataset.hashWidget = name;
      stage.dataset.hashPrefix = JSON.stringify([["widget", name]]);
      const title = found.querySelector(".widget-title");
      if (title) document.title = `${title.textContent} · convcore`;
      // A widget whose script only it needs (the network's) names it.
      const own = found.querySelector("[data-script]");
      if (own) {
        const tag = document.createElement("script");
        tag.src = own.dataset.script;
        document.head.appendChild(tag);
      }
    }
    return found;
  }

  const first = choose();
  // Another widget named later: the simplest correct thing is a fresh page.
  window.addEventListener("hashchange", () => {
    const name = new URLSearchParams(location.hash.slice(1)).get("widget") || "";
    if (!first || name !== first.dataset.widget) location.reload();
  });
})();
