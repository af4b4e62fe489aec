/* The add-ins' one way of calling the xlpy server: the Office.js task pane (taskpane.js) and the WPS
 * add-in (../wps/js/xlpy_et.js, whose index.html loads this file from here) both POST a workbook
 * payload as JSON with the access token, read the server's one JSON error shape
 * ({ok, error, errors, status}) and show its Chinese message, and turn a script run into the outcome
 * the clerk is shown. ES5 with XMLHttpRequest and callbacks: IE11 (Office 2016/2019) has neither
 * fetch nor Promise, and WPS runs an embedded Chromium of unknown age; test_addin_es5 parses it. */
(function (root) {
  "use strict";

  var R = (root.XLPY_REQUEST = root.XLPY_REQUEST || {});
  var TOKEN_KEY = "xlpy.token"; // the access token, kept by the host's webview for this server
  var DETAILS_SHOWN = 5; // an error's first few details go under its message; the rest would flood a dialog
  var UNREACHABLE = "无法连接 xlpy 服务器：请检查网络，或请管理员确认服务正在运行。";

  function trim(s) { return String(s || "").replace(/^\s+|\s+$/g, ""); }

  function token() {
    try { return root.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; } // storage disabled
  }

  function setToken(value) {
    try { root.localStorage.setItem(TOKEN_KEY, trim(value)); } catch (e) { /* storage disabled */ }
  }

  // The server's error for a non-2xx response: its `error` message (Chinese) with its `errors` list,
  // or a status line where the body is not the JSON error shape (a proxy's page).
  function serverError(status, text) {
    var message = "服务器返回错误（" + status + "）";
    var errors = [];
    try {
      var body = JSON.parse(text);
      if (body && typeof body.error === "string" && body.error) message = body.error;
      errors = (body && body.errors) || [];
    } catch (e) { /* not JSON */ }
    var err = new Error(message);
    err.status = status;
    err.errors = errors;
    return err;
  }

  // What the clerk reads of an error: its message, then its first details that say something more.
  function errorText(e) {
    var text = (e && e.message) || String(e);
    var details = [];
    var errors = (e && e.errors) || [];
    for (var i = 0; i < errors.length && details.length < DETAILS_SHOWN; i++) {
      if (errors[i] && errors[i].message && errors[i].message !== text) details.push("· " + errors[i].message);
    }
    return details.length ? text + "\n" + details.join("\n") : text;
  }

  function blobText(blob, done) {
    if (typeof blob === "string") return done(blob);
    if (!blob || !root.FileReader) return done("");
    var reader = new root.FileReader();
    reader.onload = function () { done(String(reader.result || "")); };
    reader.onerror = function () { done(""); };
    reader.readAsText(blob);
  }

  // POST `payload` as JSON to `url`; done(null, xhr) on 2xx (the caller reads the response, a blob with
  // `binary`), done(error) otherwise, the error as serverError makes it.
  function post(url, payload, binary, done) {
    var xhr = new root.XMLHttpRequest();
    xhr.open("POST", url, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    var t = token();
    if (t) xhr.setRequestHeader("Authorization", "Bearer " + t);
    if (binary) xhr.responseType = "blob";
    xhr.onload = function () {
      if (xhr.status >= 200 && xhr.status < 300) return done(null, xhr);
      blobText(binary ? xhr.response : xhr.responseText, function (text) { done(serverError(xhr.status, text)); });
    };
    xhr.onerror = function () { done(new Error(UNREACHABLE)); };
    xhr.send(JSON.stringify(payload));
  }

  // POST `payload` and parse the JSON answer: done(null, body) or done(error), a body that is not
  // JSON being an error too.
  function postJson(url, payload, done) {
    post(url, payload, false, function (err, xhr) {
      if (err) return done(err);
      var body;
      try { body = JSON.parse(xhr.responseText); } catch (e) { return done(serverError(xhr.status, "")); }
      done(null, body);
    });
  }

  // {kind: ok|refused|error, title, message} of a script run: the alerts its actions asked to show
  // first, else the server's own message; refused when the report may not be published.
  function outcomeOf(xlpy, alerts) {
    var info = xlpy || {};
    var ok = info.report ? info.report.final_ok : info.ok !== false;
    var title = (alerts[0] && alerts[0].title) || (ok ? "完成" : "未通过");
    var lines = [];
    for (var i = 0; i < alerts.length; i++) lines.push(alerts[i].message);
    return { kind: ok ? "ok" : "refused", title: title, message: lines.join("\n") || info.message || "完成" };
  }

  function failureOf(e) {
    return { kind: "error", title: "出错了", message: errorText(e) };
  }

  R.token = token;
  R.setToken = setToken;
  R.serverError = serverError;
  R.errorText = errorText;
  R.post = post;
  R.postJson = postJson;
  R.outcomeOf = outcomeOf;
  R.failureOf = failureOf;
})(window);
