// What every view shares: the language, the API, element and table builders,
// and "Copy as JSON".  No number is computed here: numbers are the server's
// repr strings, shown in <span class="num"> that never break across lines.
import { STRINGS } from "./i18n.js";

export const params = new URLSearchParams(window.location.search);

// The language: ?lang= first, else the browser's, else English.
function pickLanguage() {
  const asked = params.get("lang");
  if (asked && STRINGS[asked]) { return asked; }
  const browser = (navigator.language || "en").toLowerCase();
  return browser.startsWith("zh") ? "zh" : "en";
}
export const lang = pickLanguage();

export function t(key, values) {
  let text = STRINGS[lang][key];
  if (text === undefined) { text = STRINGS.en[key] || key; }
  Object.keys(values || {}).forEach(function (name) {
    text = text.split("{" + name + "}").join(String(values[name]));
  });
  return text;
}

// Fill every element marked data-i18n with its string.
export function translatePage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("title");
  document.querySelectorAll("[data-i18n]").forEach(function (node) {
    node.textContent = t(node.getAttribute("data-i18n"));
  });
}

// A link that keeps the other parameters and changes (or sets) some.
export function urlWith(changes) {
  const next = new URLSearchParams(window.location.search);
  Object.keys(changes).forEach(function (key) {
    if (changes[key] === null) { next.delete(key); } else { next.set(key, changes[key]); }
  });
  const query = next.toString();
  return window.location.pathname + (query ? "?" + query : "");
}

export const $ = function (id) { return document.getElementById(id); };

export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
  if (text !== undefined) { node.textContent = text; }
  return node;
}

export function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

export function api(path, body, raw) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: {"Content-Type": raw ? "application/octet-stream" : "application/json"},
    body: raw ? body : JSON.stringify(body)
  };
  return fetch(path, options).then(function (response) {
    return response.json().then(function (answer) {
      if (!response.ok) {
        const error = new Error(answer.error || ("HTTP " + response.status));
        error.status = response.status;
        throw error;
      }
      return answer;
    });
  });
}

// A number from the server, as it came: one unbreakable span.
export function num(text, id) {
  const attrs = {"class": "num"};
  if (id) { attrs.id = id; }
  return el("span", attrs, text);
}

const NUMBER = /^\(?-?\d[\d.e+-]*\)?[,;]?$|^-?(inf|nan)$/;

// Text with numbers in it (a plugged-in equation, a hover text): each number
// becomes a .num span; the line may wrap only between tokens.
export function mathText(node, text) {
  text.split("\n").forEach(function (line, index) {
    if (index) { node.appendChild(el("br")); }
    line.split(" ").forEach(function (token, i) {
      if (i) { node.appendChild(document.createTextNode(" ")); }
      if (NUMBER.test(token)) { node.appendChild(num(token)); } else {
        node.appendChild(el("span", {"class": "op"}, token));
      }
    });
  });
  return node;
}

// The one table builder: headers, then rows of cells; a cell is a string
// (text), {num: repr} (a number) or a node.  data-label lets a narrow
// screen stack each row as label: value lines (style.css).
export function table(headers, rows, attrs) {
  const box = el("table", Object.assign({"class": "grid"}, attrs || {}));
  const head = el("tr");
  headers.forEach(function (h) { head.appendChild(el("th", {}, h)); });
  box.appendChild(el("thead")).appendChild(head);
  const body = el("tbody");
  rows.forEach(function (row) {
    const tr = el("tr", row.attrs || {});
    (row.cells || row).forEach(function (cell, i) {
      const td = el("td", {"data-label": headers[i]});
      if (cell && cell.nodeType) { td.appendChild(cell); }
      else if (cell && typeof cell === "object") { td.appendChild(num(cell.num, cell.id)); }
      else { td.textContent = cell; }
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  box.appendChild(body);
  return box;
}

// Label/value pairs as a <dl>; a value is a repr string shown as a number.
export function values(pairs) {
  const list = el("dl", {"class": "values"});
  pairs.forEach(function (pair) {
    list.appendChild(el("dt", {}, pair[0]));
    const dd = el("dd");
    if (pair[1] && pair[1].nodeType) { dd.appendChild(pair[1]); } else { dd.appendChild(num(pair[1], pair[2])); }
    list.appendChild(dd);
  });
  return list;
}

// -- copy as JSON: says that it copied ---------------------------------------

function confirmCopied(button) {
  const status = button.nextElementSibling && button.nextElementSibling.classList.contains("copied") ?
    button.nextElementSibling : button.insertAdjacentElement("afterend", el("span", {"class": "copied", role: "status"}));
  status.textContent = t("copy.done");
  button.setAttribute("data-copied", "1");
}

export function copyButton(label, getValue, id) {
  const attrs = {type: "button", "class": "copy"};
  if (id) { attrs.id = id; }
  const button = el("button", attrs, label);
  button.addEventListener("click", function () {
    const text = JSON.stringify(getValue(), null, 1);
    const fallback = function () {
      const area = $("copy-text");
      area.value = text;
      $("copy-dialog").showModal();
      area.select();
      let copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      if (copied) { confirmCopied(button); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { confirmCopied(button); }, fallback);
    } else {
      fallback();
    }
  });
  return button;
}
