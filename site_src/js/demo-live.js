// What the demo's files share, in one object: ConvDemo.live. Its fields are
// the page's current values, read and written directly by the other demo-*.js
// files (no copies kept elsewhere): `state`, the settings shown (replaced
// whole only by demo-history.js); `scene`, the last result from Python or the
// pre-rendered one (replaced by demo-result.js); `view`, what the slide and
// the pointer show of it; `uploaded`, the image chosen last (never part of the
// link); `uploads`, how many were chosen (a new one is a new computation).
// `view` is never replaced, only its fields. Calls only demo-state.js (the
// defaults).
(function () {
  "use strict";

  const ConvDemo = window.ConvDemo;
  const S = ConvDemo.state;

  ConvDemo.live = {
    state: S.cloneState(S.DEFAULTS),
    scene: null,
    view: { step: 0, playing: false, probeOut: null, probeIn: null, cursorOut: null, cursorIn: null, filter: 0 },
    uploaded: null, // {file, height, width, rgba, name, original}
    uploads: 0,
  };
})();
