// The classroom page.  The browser only draws: every number shown comes
// from purenn on the server (see docs/serve.md for the API), as the
// server's repr strings, so it reads exactly as Python prints it.
//
// One module per view, sharing common.js (language, API, tables, copy):
//   digit.js  the MNIST view (the default)          ?index=N ...
//   walk.js   one step, one operation at a time      ?view=primer|demo|model
//   train.js  training live (serve --train)          ?train=1
//   diagram.js draws the network for digit.js and walk.js.
// ?lang=zh or ?lang=en picks the language (default: the browser's).
// When everything has been answered, <body data-state="ready">.
import { $, api, t, lang, params, showError, translatePage, urlWith } from "./common.js";
import { startDigit } from "./digit.js";
import { showWalkthrough } from "./walk.js";
import { showTraining } from "./train.js";

translatePage();
// The language stays in the URL, in every link.
$("lang-switch").setAttribute("href", urlWith({lang: lang === "zh" ? "en" : "zh"}));
[["nav-digit", {}], ["nav-primer", {view: "primer"}], ["nav-demo", {view: "demo"}], ["nav-train", {train: "1"}]]
  .forEach(function (link) {
    const query = new URLSearchParams(link[1]);
    if (params.has("lang")) { query.set("lang", lang); }
    const text = query.toString();
    $(link[0]).setAttribute("href", "?" + text);
  });

let started;
const view = params.get("view");
if (view === "primer" || view === "demo" || view === "model") {
  $("model").textContent = t("model.builtin");
  started = showWalkthrough(view);
} else if (params.has("train")) {
  $("model").textContent = t("model.train");
  started = showTraining();
} else {
  // The digit view needs a 784-pixel input; a small model a teacher loads
  // (say a 2-3-2 saved by `example --save`) is walked through instead.
  started = api("/api/model").then(function (model) {
    if (model.sizes[0] === 784) { return startDigit(); }
    $("model").textContent = t("model.line", {source: model.source, sizes: model.sizes.join("-")});
    return showWalkthrough("model");
  });
}
api("/api/train").then(function () { $("nav-train").hidden = false; }, function () {});
Promise.resolve(started).catch(function (error) { showError(error.message); })
  .then(function () { document.body.setAttribute("data-state", "ready"); });
