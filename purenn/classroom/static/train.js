// Training live (serve --train, then ?train=1): the run's epochs, numbered
// from 0 as `purenn train` prints them, and the learning curve.
import { $, api, el, t, table, showError } from "./common.js";

export function showTraining() {
  $("view-train").hidden = false;
  function poll() {
    return api("/api/train").then(function (s) {
      const last = s.history.length ? s.history[s.history.length - 1] : null;
      $("train-summary").textContent = t("train.summary", {layers: s.layers.join("-"), train: s.train_size,
        batch: s.mini_batch_size, step_size: s.step_size, test: s.test_size}) +
        t("train.epoch", {done: s.history.length, total: s.epochs}) +
        (last ? t("train.last", {correct: last.correct, total: last.total}) : "") +
        (s.finished ? t("train.finished", {s: s.seconds.toFixed(0)}) : ".");
      $("train-progress").value = (s.epoch * s.train_size + s.done) / (s.epochs * s.train_size);
      const box = $("train-table");
      box.textContent = "";
      // Counts as the server sends them: no number is computed here.
      box.appendChild(table([t("train.epochcol"), t("train.correct")],
        s.history.map(function (h) { return [String(h.epoch), h.correct + " / " + h.total]; })));
      drawCurve(s);
      if (!s.finished && s.running !== false || !s.history.length) { setTimeout(poll, 1000); }
    }).catch(function (error) { showError(error.message); });
  }
  return poll();
}

function drawCurve(s) {
  const svg = $("curve");
  const ns = "http://www.w3.org/2000/svg";
  svg.textContent = "";
  function add(tag, attrs, text) {
    const node = document.createElementNS(ns, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    svg.appendChild(node);
    return node;
  }
  add("polyline", {points: "30,10 30,180 390,180", "class": "axis"});
  [0, 50, 100].forEach(function (p) { add("text", {x: "2", y: String(184 - 1.7 * p)}, p + "%"); });
  const points = s.history.map(function (h, i) {
    return [30 + 360 * (i + 1) / s.epochs, 180 - 170 * h.correct / h.total];
  });
  add("polyline", {points: points.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "),
                   "class": "curve"});
  points.forEach(function (p) { add("circle", {cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: "3", "class": "point"}); });
}
