// The MNIST view: draw or load a digit, see what the network sees, its
// outputs, its hidden tiles (numbered), the network drawn, one neuron's
// arithmetic before beside after a step, and one learning step.
//
// Test hooks in the URL (used by tests/test_browser.py, handy in class too):
//   ?index=N            load MNIST test image N
//   ?strokes=x,y,x,y;.. draw these strokes (0..111 coordinates) on load
//   &label=L&step=S     then take one learning step with label L, size S
//   &neuron=l,j         then open neuron j of layer l
//   &zero=l,j           then zero the incoming weights of neuron j of layer l
import { $, api, el, t, lang, params, showError, num, table, values, copyButton } from "./common.js";
import { drawNetwork } from "./diagram.js";
import { localNote } from "./i18n.js";

const state = {sizes: null, x: null, session: null, predictSeq: 0, neuron: null, tiles: null, drawing: null};

// An error answer: shown in one line.  A 404 while we hold a session means
// the server no longer has it (expired, dropped or restarted): forget it, so
// that the next action starts a new copy instead of failing again.
function failed(error) {
  if (error.status === 404 && state.session) {
    state.session = null;
    showError(t("session.gone"));
    return;
  }
  showError(localNote(error.message, lang));
}

// -- drawing -------------------------------------------------------------------

const draw = $("draw");
const pen = draw.getContext("2d");
let drawing = false;
let debounce = null;

function clearCanvas() {
  pen.fillStyle = "#000";
  pen.fillRect(0, 0, draw.width, draw.height);
}

function canvasPoint(event) {
  const box = draw.getBoundingClientRect();
  return [(event.clientX - box.left) * draw.width / box.width,
          (event.clientY - box.top) * draw.height / box.height];
}

function startStroke(point) {
  pen.strokeStyle = "#fff";
  pen.lineWidth = 9;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(point[0], point[1]);
  pen.lineTo(point[0] + 0.01, point[1]);
  pen.stroke();
}

function extendStroke(point) {
  pen.lineTo(point[0], point[1]);
  pen.stroke();
}

function listenToPen() {
  draw.addEventListener("pointerdown", function (event) {
    event.preventDefault();
    draw.setPointerCapture(event.pointerId);
    drawing = true;
    startStroke(canvasPoint(event));
  });
  draw.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    event.preventDefault();
    extendStroke(canvasPoint(event));
    schedulePrepare();
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    draw.addEventListener(name, function () {
      if (drawing) { drawing = false; schedulePrepare(); }
    });
  });
}

// Requests are debounced: one prepare+predict 250 ms after the pen rests.
function schedulePrepare() {
  clearTimeout(debounce);
  debounce = setTimeout(prepareDrawing, 250);
}

function prepareDrawing() {
  const data = pen.getImageData(0, 0, draw.width, draw.height).data;
  const pixels = new Array(draw.width * draw.height);
  for (let i = 0; i < pixels.length; i++) { pixels[i] = data[4 * i]; }
  return api("/api/prepare", {width: draw.width, height: draw.height, pixels: pixels})
    .then(setInput)
    .catch(failed);
}

// An MNIST image or an upload is shown on the canvas too (each of the 28x28
// pixels as a 4x4 square), so that a student can draw over it.
function paintInput(pixels) {
  clearCanvas();
  const side = draw.width / 28;
  for (let i = 0; i < 784; i++) {
    if (pixels[i]) {
      pen.fillStyle = "rgb(" + pixels[i] + "," + pixels[i] + "," + pixels[i] + ")";
      pen.fillRect((i % 28) * side, Math.floor(i / 28) * side, side, side);
    }
  }
}

function replayStrokes(text) {
  clearCanvas();
  text.split(";").forEach(function (stroke) {
    const n = stroke.split(",").map(Number);
    if (n.length < 2 || n.some(isNaN)) { return; }
    startStroke([n[0], n[1]]);
    for (let i = 2; i + 1 < n.length; i += 2) { extendStroke([n[i], n[i + 1]]); }
  });
  return prepareDrawing();
}

// -- input and forward pass ----------------------------------------------------

function setInput(answer) {
  state.x = answer.x;
  $("input-x").textContent = JSON.stringify(answer.x);
  $("source").textContent = localNote(answer.source || "", lang);
  const notes = $("notes");
  notes.textContent = "";
  (answer.notes || []).forEach(function (note) { notes.appendChild(el("li", {}, localNote(note, lang))); });
  drawSeen(answer.pixels);
  return predict();
}

function drawSeen(pixels) {
  const seen = $("seen").getContext("2d");
  const image = seen.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = 255 - pixels[i];
    image.data[4 * i + 3] = 255;
  }
  seen.putImageData(image, 0, 0);
}

function predict() {
  if (!state.x) { return Promise.resolve(); }
  const seq = ++state.predictSeq;
  return Promise.all([
    api("/api/predict", {x: state.x, session: state.session}),
    api("/api/diagram", {x: state.x, session: state.session, lang: lang})
  ]).then(function (answers) {
    if (seq !== state.predictSeq) { return; }  // a newer drawing is on its way
    const answer = answers[0];
    showError("");
    showActivations(answer.activations);
    showOutputs($("outputs"), answer.outputs, answer.outputs_repr, "output", answer.prediction);
    $("prediction").textContent = String(answer.prediction);
    state.drawing = drawNetwork($("network"), answers[1], {prefix: "network", onNeuron: showNeuron});
    if (state.neuron) { return showNeuron(state.neuron[0], state.neuron[1]); }
  });
}

// Output bars; the bar's length is the output (drawing only), its value
// the server's repr.  `best` is the server's prediction.
function showOutputs(box, outputs, reprs, prefix, best) {
  box.textContent = "";
  outputs.forEach(function (value, j) {
    const row = el("button", {type: "button", "class": "bar" + (j === best ? " best" : ""),
                              "data-neuron": String(j), id: prefix + "-bar-" + j});
    row.appendChild(el("span", {"class": "digit"}, String(j)));
    const track = el("span", {"class": "track"});
    const fill = el("span", {"class": "fill"});
    fill.style.width = (100 * value).toFixed(2) + "%";
    track.appendChild(fill);
    row.appendChild(track);
    row.appendChild(num(reprs[j], prefix + "-" + j));
    row.addEventListener("click", function () { showNeuron(state.sizes.length - 1, j); });
    box.appendChild(row);
  });
}

function buildLayers() {
  const box = $("layers");
  box.textContent = "";
  for (let l = 1; l < state.sizes.length - 1; l++) {
    const row = el("div", {"class": "layer", id: "layer-" + l});
    row.appendChild(el("h3", {}, t("hidden.layer", {l: l, n: state.sizes[l]})));
    const grid = el("div", {"class": l === 1 ? "tiles" : "dots"});
    for (let j = 0; j < state.sizes[l]; j++) { grid.appendChild(neuronTile(l, j)); }
    row.appendChild(grid);
    box.appendChild(row);
  }
}

// The weight colours of `purenn weights` (purenn/drawing/pictures.py): white at
// 0, blue (33, 102, 172) for the largest positive, orange (230, 97, 1) for
// the largest negative.  The shades come from the server (128 = 0).
const POSITIVE = [33, 102, 172];
const NEGATIVE = [230, 97, 1];

function neuronTile(l, j) {
  const tile = el("button", {type: "button", "class": "tile", id: "tile-" + l + "-" + j,
                             title: t("hidden.layer", {l: l, n: state.sizes[l]}) + ", " + j});
  if (l === 1) {
    const canvas = el("canvas", {width: "28", height: "28"});
    const image = canvas.getContext("2d").createImageData(28, 28);
    const shades = state.tiles[j];
    for (let i = 0; i < 784; i++) {
      const s = (shades[i] - 128) / 127;  // -1..1, 0 for a zero weight
      const end = s > 0 ? POSITIVE : NEGATIVE;
      for (let c = 0; c < 3; c++) {
        image.data[4 * i + c] = Math.round(255 + (end[c] - 255) * Math.abs(s));
      }
      image.data[4 * i + 3] = 255;
    }
    canvas.getContext("2d").putImageData(image, 0, 0);
    tile.appendChild(canvas);
  }
  tile.appendChild(el("span", {"class": "number"}, String(j)));
  tile.addEventListener("click", function () { showNeuron(l, j); });
  return tile;
}

function showActivations(activations) {
  for (let l = 1; l < state.sizes.length - 1; l++) {
    activations[l - 1].forEach(function (a, j) {
      $("tile-" + l + "-" + j).style.opacity = (0.15 + 0.85 * a).toFixed(3);
    });
  }
}

function markSelected(l, j) {
  if (state.drawing) {
    // The chosen neuron and its incoming weights stand out in the drawing.
    const edges = [];
    for (let k = 0; k < state.sizes[l - 1]; k++) { edges.push([l, j, k]); }
    state.drawing.setFocus({neurons: [[l, j]], edges: l > 1 ? edges : []});
  }
  document.querySelectorAll(".tile.selected, .bar.selected").forEach(function (n) { n.classList.remove("selected"); });
  const last = l === state.sizes.length - 1;
  const node = last ? $("output-bar-" + j) : $("tile-" + l + "-" + j);
  if (node) { node.classList.add("selected"); }
}

// -- one neuron ------------------------------------------------------------------

function showNeuron(l, j) {
  state.neuron = [l, j];
  markSelected(l, j);
  if (!state.x) { return Promise.resolve(); }
  const body = {x: state.x, layer: l, neuron: j, session: state.session,
                label: Number($("label").value), step_size: Number($("step-size").value)};
  return api("/api/neuron", body).then(renderNeuron)
    .catch(failed);
}

function renderNeuron(n) {
  const box = $("neuron");
  box.textContent = "";
  const last = n.layer === state.sizes.length - 1;
  box.appendChild(el("h3", {id: "neuron-title"}, t(last ? "neuron.output" : "neuron.hidden", {j: n.neuron, l: n.layer})));
  box.appendChild(el("p", {"class": "formula"}, t("neuron.formula", {inputs: n.inputs, nonzero: n.nonzero_terms})));
  if (n.nonzero_terms === 0) {
    box.appendChild(el("p", {id: "neuron-all-zero"}, t("neuron.allzero", {inputs: n.inputs})));
  } else {
    const shown = n.terms.filter(function (term) { return Number(term.product) !== 0; });
    box.appendChild(el("p", {}, t("neuron.largest", {n: shown.length})));
    box.appendChild(table([t("th.k"), t("th.w"), t("th.a"), t("th.wa")], shown.map(function (term) {
      return [String(term.k), {num: term.w}, {num: term.a}, {num: term.product}];
    }), {"class": "grid stack", id: "neuron-terms"}));
  }
  if (n.step) {
    box.appendChild(renderBeforeAfter(n, last));
  } else {
    box.appendChild(values([[t("row.sum"), n.sum, "neuron-sum"], [t("row.b"), n.b, "neuron-b"],
                            [t("row.z"), n.z, "neuron-z"], [t("row.a"), n.a, "neuron-a"]]));
  }
  const actions = el("div", {"class": "controls"});
  actions.appendChild(copyButton(t("neuron.copy"), function () { return n.step ? n.step.trace : n; }, "copy-neuron"));
  const zero = el("button", {type: "button", id: "zero"}, t("neuron.zero"));
  zero.addEventListener("click", function () { zeroNeuron(n.layer, n.neuron); });
  actions.appendChild(zero);
  box.appendChild(actions);
}

// Before the step beside after it.  Once a step is taken, the served numbers
// (n.sum, n.z, n.a) are the after ones; the step record keeps the before.
function renderBeforeAfter(n, last) {
  const s = n.step;
  const part = el("div", {"class": "step-detail"});
  part.appendChild(el("h4", {}, t("neuron.stephead", {what: t(s.taken ? "neuron.taken" : "neuron.would"),
                                                      label: s.label, step_size: s.step_size})));
  const dcda = last ? el("span") : num(s.dc_da, "neuron-dc-da");
  if (last) {
    dcda.appendChild(num(s.a));
    dcda.appendChild(document.createTextNode(" − "));
    dcda.appendChild(num(s.y));
    dcda.appendChild(document.createTextNode(" = "));
    dcda.appendChild(num(s.dc_da, "neuron-dc-da"));
  }
  const none = "";
  // Not taken: the served numbers are the before ones (ids neuron-b, ...);
  // taken: they are the after ones, and the record gives the before.
  const before = s.taken ?
    {sum: none, b: {num: s.b, id: "neuron-b-before"}, z: {num: s.z, id: "neuron-z-before"},
     a: {num: s.a, id: "neuron-a-before"}} :
    {sum: {num: n.sum, id: "neuron-sum"}, b: {num: n.b, id: "neuron-b"}, z: {num: n.z, id: "neuron-z"},
     a: {num: n.a, id: "neuron-a"}};
  const rows = [
    [t("row.sum"), before.sum, s.taken ? {num: n.sum, id: "neuron-sum"} : none],
    [t("row.b"), before.b, {num: s.updated_b, id: "neuron-b-after"}],
    [t("row.z"), before.z, {num: s.updated_z, id: "neuron-z-after"}],
    [t("row.a"), before.a, {num: s.updated_a, id: "neuron-a-after"}],
    [t("row.sp"), {num: s.sigma_prime, id: "neuron-sigma-prime"}, none],
    [t(last ? "row.dcda.out" : "row.dcda"), dcda, none],
    [t("row.dcdb"), {num: s.dc_db, id: "neuron-dc-db"}, none]
  ];
  part.appendChild(table(["", t("neuron.before"), t("neuron.after")], rows, {"class": "grid stack", id: "before-after"}));
  part.appendChild(el("p", {}, t("neuron.dcdw")));
  part.appendChild(table([t("th.k"), t("th.a"), t("th.dcdw"), t("th.wbefore"), t("th.wafter")], s.terms.map(function (term) {
    return [String(term.k), {num: term.a}, {num: term.dc_dw}, {num: term.w}, {num: term.updated_w}];
  }), {"class": "grid stack", id: "neuron-dc-dw"}));
  return part;
}

function zeroNeuron(l, j) {
  return api("/api/zero", {layer: l, neuron: j, session: state.session}).then(function (answer) {
    state.session = answer.session;
    $("step-result").textContent = t("neuron.zeroed", {list: answer.zeroed.map(function (p) {
      return "(" + p.join(", ") + ")"; }).join(" ")});
    return loadModel().then(predict);
  }).catch(failed);
}

// -- learning step -----------------------------------------------------------------

function takeStep() {
  if (!state.x) { showError(t("step.first")); return Promise.resolve(); }
  const body = {x: state.x, session: state.session, label: Number($("label").value),
                step_size: Number($("step-size").value)};
  return api("/api/step", body).then(function (answer) {
    state.session = answer.session;
    const box = $("step-result");
    box.textContent = "";
    const line = el("p", {id: "step-state"});
    line.textContent = t("step.state", {steps: answer.steps, before: answer.before.cost, after: answer.after.cost});
    box.appendChild(line);
    const columns = el("div", {"class": "before-after"});
    [["step.outbefore", answer.before, "before"], ["step.outafter", answer.after, "after"]].forEach(function (part) {
      const column = el("div");
      column.appendChild(el("h4", {}, t(part[0], {p: part[1].prediction})));
      const bars = el("div", {"class": "bars"});
      showOutputs(bars, part[1].outputs, part[1].outputs_repr, part[2], part[1].prediction);
      column.appendChild(bars);
      columns.appendChild(column);
    });
    box.appendChild(columns);
    showError("");
    return predict();
  }).catch(failed);
}

function reset() {
  return api("/api/reset", {session: state.session}).then(function () {
    state.session = null;
    $("step-result").textContent = t("step.back");
    return loadModel().then(predict);
  }).catch(failed);
}

function loadModel() {
  const query = state.session ? "?session=" + encodeURIComponent(state.session) : "";
  return api("/api/model" + query).then(function (model) {
    state.sizes = model.sizes;
    state.tiles = model.tiles;
    $("model").textContent = t("model.line", {source: model.source, sizes: model.sizes.join("-")}) +
      (state.session ? t("model.copy") : "");
    buildLayers();
  });
}

function loadIndex(index) {
  return api("/api/mnist?index=" + encodeURIComponent(index)).then(function (answer) {
    paintInput(answer.pixels);
    $("index").value = answer.index;
    $("label").value = String(answer.label);
    answer.source = t("input.mnist", {index: answer.index, label: answer.label});
    return setInput(answer);
  }).catch(failed);
}

function upload(file) {
  return file.arrayBuffer().then(function (bytes) {
    return api("/api/upload", bytes, true);
  }).then(function (answer) {
    paintInput(answer.pixels);
    answer.source = file.name + ": " + answer.source;
    return setInput(answer);
  }).catch(failed);
}

// -- start ---------------------------------------------------------------------------

function pair(name) {
  return params.get(name).split(",").map(Number);
}

export function startDigit() {
  $("view-digit").hidden = false;
  const select = $("label");
  clearCanvas();
  listenToPen();
  $("clear").addEventListener("click", function () {
    clearCanvas();
    state.x = null;
    $("prediction").textContent = "–";
  });
  $("load-index").addEventListener("click", function () { loadIndex($("index").value); });
  $("upload").addEventListener("change", function (event) {
    if (event.target.files.length) { upload(event.target.files[0]); }
  });
  $("step").addEventListener("click", takeStep);
  $("reset").addEventListener("click", reset);
  return loadModel().then(function () {
    for (let d = 0; d < state.sizes[state.sizes.length - 1]; d++) {
      select.appendChild(el("option", {value: String(d)}, String(d)));
    }
    if (params.has("strokes")) { return replayStrokes(params.get("strokes")); }
    return loadIndex(params.has("index") ? params.get("index") : "0");
  }).then(function () {
    if (params.has("label")) { select.value = params.get("label"); }
    if (params.has("step")) { $("step-size").value = params.get("step"); }
    if (params.has("label") || params.has("step")) { return takeStep(); }
  }).then(function () {
    if (params.has("neuron")) { const n = pair("neuron"); return showNeuron(n[0], n[1]); }
  }).then(function () {
    if (params.has("zero")) { const n = pair("zero"); return zeroNeuron(n[0], n[1]); }
  });
}
