/* The ribbon outcome dialog: shows {kind, title, message} left by the function file (taskpane.js)
 * in localStorage (same origin), or, where storage is off, the shortened copy in the query string.
 * ES5 only, like taskpane.js. */
(function (root) {
  "use strict";

  var OUTCOME_KEY = "xlpy.outcome";
  var KINDS = { ok: "ok", refused: "error", error: "error" };

  function query() {
    var out = {};
    var q = root.location.search.replace(/^\?/, "");
    if (!q) return out;
    q.split("&").forEach(function (pair) {
      var i = pair.indexOf("=");
      var key = i < 0 ? pair : pair.slice(0, i);
      var value = i < 0 ? "" : pair.slice(i + 1);
      try { out[key] = decodeURIComponent(value.replace(/\+/g, " ")); } catch (e) { out[key] = value; }
    });
    return out;
  }

  function outcome() {
    var q = query();
    var stored = null;
    try { stored = JSON.parse(root.localStorage.getItem(OUTCOME_KEY) || "null"); } catch (e) { stored = null; }
    if (stored && stored.id === q.id && stored.outcome) return stored.outcome;
    return { kind: q.kind || "error", title: q.title || "政府信息公开年报", message: q.message || "" };
  }

  function close() {
    try {
      root.Office.context.ui.messageParent("close");
    } catch (e) {
      root.close(); // not opened by Office: an ordinary window
    }
  }

  function start() {
    var o = outcome();
    root.document.getElementById("title").textContent = o.title;
    var el = root.document.getElementById("message");
    el.textContent = o.message;
    el.className = "status " + (KINDS[o.kind] || "error");
    root.document.getElementById("btn-close").onclick = close;
  }

  // Office.js finishes initialising a page only once it has a ready hook (older hosts: Office.initialize);
  // messageParent is unavailable before that.
  if (root.Office && typeof root.Office.onReady === "function") {
    root.Office.onReady(function () { /* ready: 关闭 can message the function file */ });
  } else if (root.Office) {
    root.Office.initialize = function () { /* as above, for Office.js without onReady */ };
  }

  if (root.document.readyState === "loading") {
    root.document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(window);
