// The trainer's curves: every step's loss (smoothed) and every held-out
// measurement against examples seen, on one canvas, with its numbers in a
// table beside it (one row a measurement: the accuracy, and the mean loss of
// the steps since the one before). Owns the run's history.
(function () {
  "use strict";

  const ConvNet = window.ConvNet;
  const T = ConvDemo.tables;
  const $ = (id) => document.getElementById(id);
  const SMOOTH = 0.9; // the loss line: an exponential moving average of the steps'

  let losses = []; // [seen, loss] of every step
  let measured = []; // [seen, accuracy]
  let sinceLast = []; // losses of the steps since the last measurement

  function clear() {
    losses = [];
    measured = [];
    sinceLast = [];
    const body = $("curve-table") && $("curve-table").tBodies[0];
    if (body) body.replaceChildren();
    draw();
  }

  function addLosses(seenAt, values) {
    values.forEach((loss, i) => {
      losses.push([seenAt[i], loss]);
      sinceLast.push(loss);
    });
  }

  function addAccuracy(seen, accuracy) {
    measured.push([seen, accuracy]);
    const mean = sinceLast.length ? sinceLast.reduce((a, b) => a + b, 0) / sinceLast.length : NaN;
    sinceLast = [];
    const body = $("curve-table") && $("curve-table").tBodies[0];
    if (!body) return;
    const row = T.el("tr");
    row.appendChild(T.el("td", String(seen)));
    row.appendChild(T.el("td", `${(100 * accuracy).toFixed(1)}%`));
    row.appendChild(T.el("td", Number.isNaN(mean) ? "" : mean.toFixed(4)));
    body.appendChild(row);
  }

  function smoothed() {
    const out = [];
    let level = null;
    for (const [seen, loss] of losses) {
      level = level === null ? loss : SMOOTH * level + (1 - SMOOTH) * loss;
      out.push([seen, level]);
    }
    return out;
  }

  function line(ctx, points, x, y, colour) {
    if (!points.length) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(([a, b], i) => (i ? ctx.lineTo(x(a), y(b)) : ctx.moveTo(x(a), y(b))));
    ctx.stroke();
  }

  function draw() {
    const canvas = $("train-curves");
    if (!canvas) return;
    const style = getComputedStyle(canvas);
    const width = 480;
    const height = 200;
    const dpr = Math.max(1, Math.round(window.devicePixelRatio || 1));
    if (canvas.width !== width * dpr) canvas.width = width * dpr;
    if (canvas.height !== height * dpr) canvas.height = height * dpr;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const pad = { left: 40, right: 44, top: 10, bottom: 24 };
    const loss = smoothed();
    const lastSeen = Math.max(1, losses.length ? losses[losses.length - 1][0] : 0, measured.length ? measured[measured.length - 1][0] : 0);
    const top = Math.max(0.1, ...loss.map((p) => p[1]));
    const x = (seen) => pad.left + ((width - pad.left - pad.right) * seen) / lastSeen;
    const yLoss = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v / top);
    const yAcc = (a) => pad.top + (height - pad.top - pad.bottom) * (1 - a);
    ctx.fillStyle = style.color;
    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeStyle = "rgba(128, 128, 128, 0.5)";
    ctx.lineWidth = 1;
    ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
    ctx.fillText(top.toFixed(2), 4, pad.top + 8);
    ctx.fillText("0", 4, height - pad.bottom);
    ctx.fillText("100%", width - pad.right + 4, pad.top + 8);
    ctx.fillText("0%", width - pad.right + 4, height - pad.bottom);
    ctx.fillText(`${lastSeen} examples`, width - pad.right - 80, height - 6);
    const colours = getComputedStyle(canvas.closest(".network-widget") || canvas);
    line(ctx, loss, x, yLoss, colours.getPropertyValue("--net-loss").trim() || "#2166ac");
    const acc = colours.getPropertyValue("--net-acc").trim() || "#a85d00";
    line(ctx, measured, x, yAcc, acc);
    ctx.fillStyle = acc;
    for (const [seen, a] of measured) ctx.fillRect(x(seen) - 2, yAcc(a) - 2, 4, 4);
    canvas.setAttribute("aria-label", describe(loss));
  }

  function describe(loss) {
    if (!losses.length) return "Training curves: nothing trained yet.";
    const [seen, level] = loss[loss.length - 1];
    let text = `Training curves after ${seen} examples: smoothed loss ${level.toFixed(3)}`;
    if (measured.length) {
      const [at, a] = measured[measured.length - 1];
      text += `, held-out accuracy ${(100 * a).toFixed(1)}% (measured after ${at} examples)`;
    }
    return `${text}. Every measurement is in the table “The curves’ numbers”.`;
  }

  ConvNet.curves = { clear, addLosses, addAccuracy, draw };
})();
