// One learning step, one operation at a time (?view=primer, demo or model):
// the network drawn, then each stage's equation from the primer, its numbers
// plugged in and its value, with Next/Previous and the arrow keys.  The
// stages come from lesson.walkthrough on the server, in the primer's order.
import { $, api, el, t, lang, params, mathText, num, table, copyButton, urlWith } from "./common.js";
import { drawNetwork } from "./diagram.js";

export function showWalkthrough(name) {
  $("view-example").hidden = false;
  $("example-title").textContent = t("ex." + name);
  $("example-hint").textContent = t("ex.hint");
  let query = "/api/lesson?name=" + encodeURIComponent(name) + "&lang=" + lang;
  ["input", "target", "step_size"].forEach(function (key) {
    if (params.has(key)) { query += "&" + key + "=" + encodeURIComponent(params.get(key)); }
  });
  return api(query).then(function (answer) {
    const drawing = drawNetwork($("example-diagram"), answer.diagram, {prefix: "example"});
    const stages = answer.stages;
    let index = Math.min(Math.max(Number(params.get("stage") || 1) - 1, 0), stages.length - 1);
    const card = $("stage");
    function render() {
      const s = stages[index];
      card.textContent = "";
      card.appendChild(el("p", {"class": "section"}, s.section));
      card.appendChild(el("h3", {id: "stage-title"}, s.title));
      card.appendChild(el("p", {"class": "equation", id: "stage-equation"}, s.equation));
      const line = el("p", {"class": "plugged", id: "stage-plugged"});
      mathText(line, s.plugged);
      line.appendChild(document.createTextNode(" = "));
      line.appendChild(num(s.value, "stage-value"));
      card.appendChild(line);
      card.appendChild(el("p", {"class": "name"}, s.name));
      $("stage-count").textContent = t("walk.of", {i: index + 1, n: stages.length});
      $("stage-prev").disabled = index === 0;
      $("stage-next").disabled = index === stages.length - 1;
      drawing.setFocus(s.focus);
      document.querySelectorAll("#stages tr.current").forEach(function (r) { r.classList.remove("current"); });
      const row = $("stage-row-" + index);
      if (row) { row.classList.add("current"); }
      window.history.replaceState(null, "", urlWith({stage: String(index + 1)}));
    }
    function move(by) {
      index = Math.min(Math.max(index + by, 0), stages.length - 1);
      render();
    }
    $("stage-prev").addEventListener("click", function () { move(-1); });
    $("stage-next").addEventListener("click", function () { move(1); });
    document.addEventListener("keydown", function (event) {
      if (event.target && /INPUT|TEXTAREA|SELECT/.test(event.target.tagName)) { return; }
      if (event.key === "ArrowRight") { event.preventDefault(); move(1); }
      if (event.key === "ArrowLeft") { event.preventDefault(); move(-1); }
    });
    // Every stage at once, for reading the whole step in order.
    const rows = stages.map(function (s, i) {
      const plugged = mathText(el("span"), s.plugged);
      return {attrs: {id: "stage-row-" + i, "data-name": s.name},
              cells: [s.name, s.equation, plugged, {num: s.value}]};
    });
    $("stages").appendChild(table([t("walk.name"), t("walk.eq"), t("walk.plugged"), t("walk.value")], rows,
                                  {"class": "grid stack"}));
    $("example-text").textContent = answer.text;
    $("example-copy").appendChild(copyButton(t("copy.json"), function () { return answer.trace; }, "copy-example"));
    render();
  });
}
