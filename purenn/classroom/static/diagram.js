// The network drawn as SVG from the server's lesson.diagram answer.
// Circles are neurons (filled as much as they are active), lines are
// weights: blue positive, orange negative (the colours of `purenn weights`),
// width by |w|.  Pointing at or tapping one shows its arithmetic, the
// server's text with every operand by repr, in the info box.
import { el, mathText, t } from "./common.js";

const NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const node = document.createElementNS(NS, tag);
  Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
  return node;
}

// Draw `d` into `box`; `options.onNeuron(l, j)` is called on a click.
// Returns {setFocus(focus), svg}.
export function drawNetwork(box, d, options) {
  options = options || {};
  box.textContent = "";
  const layers = d.layers;
  const columns = layers.length;
  const counts = layers.map(function (layer) { return Array.isArray(layer) ? layer.length : 1; });
  const tallest = Math.max.apply(null, counts);
  const small = tallest <= 4;
  const gap = small ? 90 : 19;
  const radius = small ? 22 : 7;
  const width = small ? 560 : 640;
  const height = Math.max(tallest * gap + 30, small ? 110 : 120);
  const svg = svgEl("svg", {viewBox: "0 0 " + width + " " + height, "class": "network", role: "img",
                            "aria-label": d.sizes.join("-")});
  const positions = layers.map(function (layer, l) {
    const margin = small ? 95 : 40;
    const x = margin + (width - 2 * margin) * l / Math.max(columns - 1, 1);
    const n = counts[l];
    const top = (height - (n - 1) * gap) / 2;
    const at = [];
    for (let j = 0; j < n; j++) { at.push([x, top + j * gap]); }
    return at;
  });
  const info = el("p", {"class": "diagram-info", id: (options.prefix || "diagram") + "-info", "aria-live": "polite"},
                  t("net.info"));
  function show(node) {
    info.textContent = "";
    mathText(info, node.getAttribute("data-text"));
    svg.querySelectorAll(".picked").forEach(function (n) { n.classList.remove("picked"); });
    node.classList.add("picked");
  }
  const edges = svgEl("g", {"class": "edges"});
  d.edges.forEach(function (e) {
    const from = positions[e.layer - 1][Array.isArray(layers[e.layer - 1]) ? e.k : 0];
    const to = positions[e.layer][e.j];
    const line = svgEl("line", {x1: from[0], y1: from[1], x2: to[0], y2: to[1],
                                "class": "edge " + e.sign, id: "edge-" + e.layer + "-" + e.j + "-" + e.k,
                                "stroke-width": (0.5 + (small ? 7 : 2.5) * e.size).toFixed(2),
                                "data-text": e.text, tabindex: "0"});
    line.appendChild(svgEl("title", {})).textContent = e.text;
    line.addEventListener("mouseenter", function () { show(line); });
    line.addEventListener("click", function () { show(line); });
    line.addEventListener("focus", function () { show(line); });
    edges.appendChild(line);
  });
  svg.appendChild(edges);
  layers.forEach(function (layer, l) {
    if (layer === null) { return; }
    if (!Array.isArray(layer)) {
      const at = positions[l][0];
      svg.appendChild(svgEl("rect", {x: at[0] - 30, y: at[1] - 40, width: 60, height: 80, "class": "inputbox"}));
      const label = svgEl("text", {x: at[0], y: at[1] + 4, "text-anchor": "middle", "class": "boxlabel"});
      label.textContent = layer.box;
      svg.appendChild(label);
      return;
    }
    layer.forEach(function (neuron, j) {
      const at = positions[l][j];
      const group = svgEl("g", {"class": "neuron", id: "node-" + l + "-" + j, "data-text": neuron.text, tabindex: "0"});
      group.appendChild(svgEl("title", {})).textContent = neuron.text;
      group.appendChild(svgEl("circle", {cx: at[0], cy: at[1], r: radius, "class": "ring"}));
      // The fill's opacity is the activation: drawing only, no number shown.
      group.appendChild(svgEl("circle", {cx: at[0], cy: at[1], r: radius, "class": "fill",
                                         "fill-opacity": Number(neuron.a).toFixed(3)}));
      if (small) {
        const label = svgEl("text", {x: at[0], y: at[1] + radius + 14, "text-anchor": "middle", "class": "alabel"});
        label.textContent = "a = " + neuron.a;
        group.appendChild(label);
      }
      group.addEventListener("mouseenter", function () { show(group); });
      group.addEventListener("focus", function () { show(group); });
      group.addEventListener("click", function () {
        show(group);
        if (options.onNeuron && l > 0) { options.onNeuron(l, j); }
      });
      svg.appendChild(group);
    });
  });
  box.appendChild(svg);
  box.appendChild(info);
  return {
    svg: svg,
    show: show,
    setFocus: function (focus) {
      svg.classList.toggle("focusing", !!focus && (focus.neurons.length + focus.edges.length) > 0);
      svg.querySelectorAll(".focus").forEach(function (n) { n.classList.remove("focus"); });
      if (!focus) { return; }
      focus.neurons.forEach(function (p) {
        const node = svg.getElementById("node-" + p[0] + "-" + p[1]);
        if (node) { node.classList.add("focus"); }
      });
      focus.edges.forEach(function (p) {
        const node = svg.getElementById("edge-" + p[0] + "-" + p[1] + "-" + p[2]);
        if (node) { node.classList.add("focus"); }
      });
    }
  };
}
