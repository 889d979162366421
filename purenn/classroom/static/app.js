// The classroom page.  The browser only draws: every number shown comes
// from purenn on the server (see docs/serve.md for the API).  Numbers are
// shown as the server's repr strings, so they read exactly as Python prints
// them.
//
// Test hooks in the URL (used by tests/test_browser.py, handy in class too):
//   ?index=N            load MNIST test image N
//   ?strokes=x,y,x,y;.. draw these strokes (0..111 coordinates) on load
//   &label=L&step=S     then take one learning step with label L, size S
//   &neuron=l,j         then open neuron j of layer l
//   &zero=l,j           then zero the incoming weights of neuron j of layer l
// When all of it has been answered, <body data-state="ready">.
"use strict";

(function () {
  var params = new URLSearchParams(window.location.search);
  var $ = function (id) { return document.getElementById(id); };
  var state = {
    sizes: null, x: null, session: null, predictSeq: 0,
    neuron: null, tiles: null, hasStep: false
  };

  function showError(message) {
    var box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }

  function api(path, body, raw) {
    var options = body === undefined ? {} : {
      method: "POST",
      headers: {"Content-Type": raw ? "application/octet-stream" : "application/json"},
      body: raw ? body : JSON.stringify(body)
    };
    return fetch(path, options).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.error || ("HTTP " + response.status));
        }
        return answer;
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // -- copy as JSON --------------------------------------------------------

  function copyJson(value) {
    var text = JSON.stringify(value, null, 1);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).catch(function () { showCopy(text); });
    } else {
      showCopy(text);
    }
  }

  function showCopy(text) {
    var area = $("copy-text");
    area.value = text;
    $("copy-dialog").showModal();
    area.select();
  }

  // -- drawing ---------------------------------------------------------------

  var draw = $("draw");
  var pen = draw.getContext("2d");
  var drawing = false;
  var debounce = null;

  function clearCanvas() {
    pen.fillStyle = "#000";
    pen.fillRect(0, 0, draw.width, draw.height);
  }

  function canvasPoint(event) {
    var box = draw.getBoundingClientRect();
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

  // Requests are debounced: one prepare+predict 250 ms after the pen rests.
  function schedulePrepare() {
    clearTimeout(debounce);
    debounce = setTimeout(prepareDrawing, 250);
  }

  function prepareDrawing() {
    var data = pen.getImageData(0, 0, draw.width, draw.height).data;
    var pixels = new Array(draw.width * draw.height);
    for (var i = 0; i < pixels.length; i++) { pixels[i] = data[4 * i]; }
    return api("/api/prepare", {width: draw.width, height: draw.height, pixels: pixels})
      .then(function (answer) { return setInput(answer); })
      .catch(function (error) { showError(error.message); });
  }

  // An MNIST image or an upload is shown on the canvas too (each of the 28x28
  // pixels as a 4x4 square), so that a student can draw over it.
  function paintInput(pixels) {
    clearCanvas();
    var side = draw.width / 28;
    for (var i = 0; i < 784; i++) {
      if (pixels[i]) {
        pen.fillStyle = "rgb(" + pixels[i] + "," + pixels[i] + "," + pixels[i] + ")";
        pen.fillRect((i % 28) * side, Math.floor(i / 28) * side, side, side);
      }
    }
  }

  function replayStrokes(text) {
    clearCanvas();
    text.split(";").forEach(function (stroke) {
      var n = stroke.split(",").map(Number);
      if (n.length < 2 || n.some(isNaN)) { return; }
      startStroke([n[0], n[1]]);
      for (var i = 2; i + 1 < n.length; i += 2) { extendStroke([n[i], n[i + 1]]); }
    });
    return prepareDrawing();
  }

  // -- input and forward pass ------------------------------------------------

  function setInput(answer) {
    state.x = answer.x;
    $("input-x").textContent = JSON.stringify(answer.x);
    $("source").textContent = answer.source || "";
    var notes = $("notes");
    notes.textContent = "";
    (answer.notes || []).forEach(function (note) { notes.appendChild(el("li", {}, note)); });
    drawSeen(answer.pixels);
    return predict();
  }

  function drawSeen(pixels) {
    var seen = $("seen").getContext("2d");
    var image = seen.createImageData(28, 28);
    for (var i = 0; i < 784; i++) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = 255 - pixels[i];
      image.data[4 * i + 3] = 255;
    }
    seen.putImageData(image, 0, 0);
  }

  function predict() {
    if (!state.x) { return Promise.resolve(); }
    var seq = ++state.predictSeq;
    return api("/api/predict", {x: state.x, session: state.session}).then(function (answer) {
      if (seq !== state.predictSeq) { return; }  // a newer drawing is on its way
      showError("");
      showActivations(answer.activations);
      showOutputs($("outputs"), answer.outputs, answer.outputs_repr, "output");
      $("prediction").textContent = String(answer.prediction);
      if (state.neuron) { return showNeuron(state.neuron[0], state.neuron[1]); }
    });
  }

  function showOutputs(box, outputs, reprs, prefix) {
    box.textContent = "";
    var best = outputs.indexOf(Math.max.apply(null, outputs));
    outputs.forEach(function (value, j) {
      var row = el("button", {type: "button", "class": "bar" + (j === best ? " best" : ""),
                              "data-neuron": String(j)});
      row.appendChild(el("span", {"class": "digit"}, String(j)));
      var track = el("span", {"class": "track"});
      var fill = el("span", {"class": "fill"});
      fill.style.width = (100 * value).toFixed(2) + "%";
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el("span", {"class": "value", id: prefix + "-" + j}, reprs[j]));
      row.addEventListener("click", function () {
        showNeuron(state.sizes.length - 1, j);
      });
      box.appendChild(row);
    });
  }

  function buildLayers() {
    var box = $("layers");
    box.textContent = "";
    for (var l = 1; l < state.sizes.length - 1; l++) {
      var row = el("div", {"class": "layer", id: "layer-" + l});
      row.appendChild(el("h3", {}, "layer " + l + " (" + state.sizes[l] + " neurons)"));
      var grid = el("div", {"class": l === 1 ? "tiles" : "dots"});
      for (var j = 0; j < state.sizes[l]; j++) {
        grid.appendChild(neuronTile(l, j));
      }
      row.appendChild(grid);
      box.appendChild(row);
    }
  }

  function neuronTile(l, j) {
    var tile = el("button", {type: "button", "class": "tile", id: "tile-" + l + "-" + j,
                             title: "layer " + l + ", neuron " + j});
    if (l === 1) {
      var canvas = el("canvas", {width: "28", height: "28"});
      var image = canvas.getContext("2d").createImageData(28, 28);
      var shades = state.tiles[j];
      for (var i = 0; i < 784; i++) {
        var s = shades[i] - 128;  // -127..127, 0 for a zero weight
        image.data[4 * i] = s < 0 ? 255 : 255 - 2 * s;
        image.data[4 * i + 1] = 255 - 2 * Math.abs(s);
        image.data[4 * i + 2] = s > 0 ? 255 : 255 + 2 * s;
        image.data[4 * i + 3] = 255;
      }
      canvas.getContext("2d").putImageData(image, 0, 0);
      tile.appendChild(canvas);
    }
    tile.appendChild(el("span", {"class": "activation"}, ""));
    tile.addEventListener("click", function () { showNeuron(l, j); });
    return tile;
  }

  function showActivations(activations) {
    for (var l = 1; l < state.sizes.length - 1; l++) {
      activations[l - 1].forEach(function (a, j) {
        var tile = $("tile-" + l + "-" + j);
        tile.style.opacity = (0.15 + 0.85 * a).toFixed(3);
        tile.querySelector(".activation").textContent = a.toFixed(2);
      });
    }
  }

  // -- one neuron ------------------------------------------------------------

  function showNeuron(l, j) {
    state.neuron = [l, j];
    if (!state.x) { return Promise.resolve(); }
    var body = {x: state.x, layer: l, neuron: j, session: state.session,
                label: Number($("label").value), step_size: Number($("step-size").value)};
    return api("/api/neuron", body).then(renderNeuron)
      .catch(function (error) { showError(error.message); });
  }

  function renderNeuron(n) {
    var box = $("neuron");
    box.textContent = "";
    var last = n.layer === state.sizes.length - 1;
    box.appendChild(el("h3", {id: "neuron-title"}, (last ? "Output neuron " : "Hidden neuron ") +
      n.neuron + " of layer " + n.layer));
    box.appendChild(el("p", {"class": "formula"},
      "z = Σ w·a + b over " + n.inputs + " inputs (" + n.nonzero_terms + " terms are not 0), then a = σ(z) = 1/(1+e^−z)"));
    var table = el("table", {"class": "terms"});
    var head = el("tr");
    ["k", "w[j][k]", "a[k]", "w·a"].forEach(function (t) { head.appendChild(el("th", {}, t)); });
    table.appendChild(head);
    n.terms.forEach(function (t) {
      var row = el("tr");
      [String(t.k), t.w, t.a, t.product].forEach(function (v) { row.appendChild(el("td", {}, v)); });
      table.appendChild(row);
    });
    box.appendChild(el("p", {}, "The " + n.terms.length + " largest terms |w·a|:"));
    box.appendChild(table);
    var values = el("dl", {"class": "values"});
    [["Σ w·a", n.sum, "neuron-sum"], ["b", n.b, "neuron-b"], ["z = Σ w·a + b", n.z, "neuron-z"],
     ["σ(z)", n.a, "neuron-a"]].forEach(function (pair) {
      values.appendChild(el("dt", {}, pair[0]));
      values.appendChild(el("dd", {id: pair[2]}, pair[1]));
    });
    box.appendChild(values);
    if (n.step) { box.appendChild(renderStepDetail(n.step)); }
    var copy = el("button", {type: "button"}, "Copy as JSON (trace format)");
    copy.addEventListener("click", function () { copyJson(n.step ? n.step.trace : n); });
    box.appendChild(copy);
    var zero = el("button", {type: "button", id: "zero"}, "Zero this neuron's weights (your copy)");
    zero.addEventListener("click", function () { zeroNeuron(n.layer, n.neuron); });
    box.appendChild(zero);
  }

  function zeroNeuron(l, j) {
    return api("/api/zero", {layer: l, neuron: j, session: state.session}).then(function (answer) {
      state.session = answer.session;
      $("step-result").textContent = "Zeroed in your copy (layer, neuron): " +
        answer.zeroed.map(function (p) { return "(" + p.join(", ") + ")"; }).join(" ") + ". Reset undoes it.";
      return loadModel().then(predict);
    }).catch(function (error) { showError(error.message); });
  }

  function renderStepDetail(s) {
    var part = el("div", {"class": "step-detail"});
    part.appendChild(el("h4", {}, (s.taken ? "The step you took" : "What one step would do") +
      " (label " + s.label + ", η = " + s.step_size + ")"));
    var values = el("dl", {"class": "values"});
    [["dC/da", s.dc_da, "neuron-dc-da"], ["dC/db = σ′(z)·dC/da", s.dc_db, "neuron-dc-db"],
     ["b after = b − η·dC/db", s.updated_b, "neuron-b-after"],
     ["z after", s.updated_z, "neuron-z-after"], ["σ(z) after", s.updated_a, "neuron-a-after"]]
      .forEach(function (pair) {
        values.appendChild(el("dt", {}, pair[0]));
        values.appendChild(el("dd", {id: pair[2]}, pair[1]));
      });
    part.appendChild(values);
    part.appendChild(el("p", {}, "dC/dw[j][k] = dC/db · a[k], for the same terms:"));
    var table = el("table", {"class": "terms", id: "neuron-dc-dw"});
    var head = el("tr");
    ["k", "a[k]", "dC/dw", "w before", "w after"].forEach(function (t) { head.appendChild(el("th", {}, t)); });
    table.appendChild(head);
    s.terms.forEach(function (t) {
      var row = el("tr");
      [String(t.k), t.a, t.dc_dw, t.w, t.updated_w].forEach(function (v) { row.appendChild(el("td", {}, v)); });
      table.appendChild(row);
    });
    part.appendChild(table);
    return part;
  }

  // -- learning step ---------------------------------------------------------

  function takeStep() {
    if (!state.x) { showError("draw or load a digit first"); return Promise.resolve(); }
    var body = {x: state.x, session: state.session, label: Number($("label").value),
                step_size: Number($("step-size").value)};
    return api("/api/step", body).then(function (answer) {
      state.session = answer.session;
      var box = $("step-result");
      box.textContent = "";
      box.appendChild(el("p", {id: "step-state"}, "Steps taken in your copy: " + answer.steps +
        ". Cost before " + answer.before.cost + ", after " + answer.after.cost + "."));
      var columns = el("div", {"class": "before-after"});
      [["Outputs before the step", answer.before, "before"], ["Outputs after the step", answer.after, "after"]]
        .forEach(function (part) {
          var column = el("div");
          column.appendChild(el("h4", {}, part[0] + " (predicts " + part[1].prediction + ")"));
          var bars = el("div", {"class": "bars"});
          showOutputs(bars, part[1].outputs, part[1].outputs_repr, part[2]);
          column.appendChild(bars);
          columns.appendChild(column);
        });
      box.appendChild(columns);
      showError("");
      return predict();
    }).catch(function (error) { showError(error.message); });
  }

  function reset() {
    return api("/api/reset", {session: state.session}).then(function () {
      state.session = null;
      $("step-result").textContent = "Back to the served model.";
      return loadModel().then(predict);
    }).catch(function (error) { showError(error.message); });
  }

  function loadModel() {
    var query = state.session ? "?session=" + encodeURIComponent(state.session) : "";
    return api("/api/model" + query).then(function (model) {
      state.sizes = model.sizes;
      state.tiles = model.tiles;
      $("model").textContent = "Model " + model.source + ": layers " + model.sizes.join("-") +
        (state.session ? " (your copy)" : "");
      buildLayers();
    });
  }

  function loadIndex(index) {
    return api("/api/mnist?index=" + encodeURIComponent(index)).then(function (answer) {
      paintInput(answer.pixels);
      $("index").value = answer.index;
      $("label").value = String(answer.label);
      answer.source = "MNIST test image " + answer.index + " (label " + answer.label + ")";
      return setInput(answer);
    }).catch(function (error) { showError(error.message); });
  }

  function upload(file) {
    return file.arrayBuffer().then(function (bytes) {
      return api("/api/upload", bytes, true);
    }).then(function (answer) {
      paintInput(answer.pixels);
      answer.source = file.name + ": " + answer.source;
      return setInput(answer);
    }).catch(function (error) { showError(error.message); });
  }

  // -- the other views -------------------------------------------------------

  function showExample(name) {
    $("view-example").hidden = false;
    $("example-title").textContent = name === "primer" ?
      "The primer's worked example: 1 → 1 → 1, one step" : "The primer's demo: 2 → 3 → 2, one step";
    $("example-hint").textContent = "Every value as purenn's Network computes it, printed with repr, in the order of the text.";
    return api("/api/example?name=" + name).then(function (answer) {
      var box = $("example");
      if (answer.steps) {
        var table = el("table", {"class": "example"});
        var head = el("tr");
        ["name", "formula", "value"].forEach(function (t) { head.appendChild(el("th", {}, t)); });
        table.appendChild(head);
        answer.steps.forEach(function (s) {
          var row = el("tr", {id: "example-" + s.name});
          [s.name, s.formula, s.value].forEach(function (v) { row.appendChild(el("td", {}, v)); });
          table.appendChild(row);
        });
        box.appendChild(table);
      } else {
        box.appendChild(el("pre", {"class": "trace"}, answer.text));
      }
      $("copy-example").addEventListener("click", function () { copyJson(answer.trace); });
    });
  }

  function showTraining() {
    $("view-train").hidden = false;
    function poll() {
      return api("/api/train").then(function (s) {
        var last = s.history.length ? s.history[s.history.length - 1] : null;
        $("train-summary").textContent = "A fresh " + s.layers.join("-") + " network, trained with the reference path on " +
          s.train_size + " MNIST images (mini-batch " + s.mini_batch_size + ", η = " + s.eta + "), tested on " +
          s.test_size + ". Epoch " + (s.finished ? s.epochs : s.epoch + 1) + " of " + s.epochs +
          (last ? "; last accuracy " + (100 * last.correct / last.total).toFixed(2) + "%" : "") +
          (s.finished ? " — finished in " + s.seconds.toFixed(0) + " s." : ".");
        $("train-progress").value = (s.epoch * s.train_size + s.done) / (s.epochs * s.train_size);
        var body = $("train-table").querySelector("tbody");
        body.textContent = "";
        s.history.forEach(function (h) {
          var row = el("tr");
          [String(h.epoch), h.correct + " / " + h.total, (100 * h.correct / h.total).toFixed(2) + "%"]
            .forEach(function (v) { row.appendChild(el("td", {}, v)); });
          body.appendChild(row);
        });
        drawCurve(s);
        if (!s.finished && s.running !== false || !s.history.length) { setTimeout(poll, 1000); }
      }).catch(function (error) { showError(error.message); });
    }
    return poll();
  }

  function drawCurve(s) {
    var svg = $("curve");
    var ns = "http://www.w3.org/2000/svg";
    svg.textContent = "";
    var axis = document.createElementNS(ns, "polyline");
    axis.setAttribute("points", "30,10 30,180 390,180");
    axis.setAttribute("class", "axis");
    svg.appendChild(axis);
    [0, 50, 100].forEach(function (p) {
      var label = document.createElementNS(ns, "text");
      label.setAttribute("x", "2");
      label.setAttribute("y", String(184 - 1.7 * p));
      label.textContent = p + "%";
      svg.appendChild(label);
    });
    var points = s.history.map(function (h, i) {
      var x = 30 + 360 * (i + 1) / s.epochs;
      var y = 180 - 170 * h.correct / h.total;
      return x.toFixed(1) + "," + y.toFixed(1);
    });
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("class", "curve");
    svg.appendChild(line);
    points.forEach(function (point) {
      var dot = document.createElementNS(ns, "circle");
      dot.setAttribute("cx", point.split(",")[0]);
      dot.setAttribute("cy", point.split(",")[1]);
      dot.setAttribute("r", "3");
      dot.setAttribute("class", "point");
      svg.appendChild(dot);
    });
  }

  // -- start -----------------------------------------------------------------

  function startDigit() {
    $("view-digit").hidden = false;
    var select = $("label");
    clearCanvas();
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
      for (var d = 0; d < state.sizes[state.sizes.length - 1]; d++) {
        select.appendChild(el("option", {value: String(d)}, String(d)));
      }
      if (params.has("strokes")) { return replayStrokes(params.get("strokes")); }
      return loadIndex(params.has("index") ? params.get("index") : "0");
    }).then(function () {
      if (params.has("label")) { select.value = params.get("label"); }
      if (params.has("step")) { $("step-size").value = params.get("step"); }
      if (params.has("label") || params.has("step")) { return takeStep(); }
    }).then(function () {
      if (params.has("neuron")) {
        var n = params.get("neuron").split(",").map(Number);
        return showNeuron(n[0], n[1]);
      }
    }).then(function () {
      if (params.has("zero")) {
        var n = params.get("zero").split(",").map(Number);
        return zeroNeuron(n[0], n[1]);
      }
    });
  }

  var started;
  var view = params.get("view");
  if (view === "primer" || view === "demo") {
    $("model").textContent = "Built-in example: the numbers of the primer, computed by purenn.";
    started = showExample(view);
  } else if (params.has("train")) {
    $("model").textContent = "Training live (purenn serve --train).";
    started = showTraining();
  } else {
    started = startDigit();
  }
  api("/api/train").then(function () { $("nav-train").hidden = false; }, function () {});
  Promise.resolve(started).catch(function (error) { showError(error.message); })
    .then(function () { document.body.setAttribute("data-state", "ready"); });
})();
