/* xlpy task pane and ribbon commands: reads the workbook with Excel.run into the xlwings
 * remote-protocol payload, POSTs it to the xlpy server, and replays the returned actions.
 * ES5 only (Office 2016/2019 host add-ins in Internet Explorer 11): no build step, no dependency
 * besides Office.js, whose Promise is used where the webview has none, and xlpy_request.js (the
 * server calls) and xlpy_cells.js (A1 addresses), loaded before this file. A test parses this file
 * with acorn at ecmaVersion 5. */
(function (root) {
  "use strict";

  var XLPY = (root.XLPY = root.XLPY || {});
  // The server calls, the error shape and the outcome wording, shared with the WPS add-in (loaded first).
  var REQUEST = root.XLPY_REQUEST;
  var CELLS = root.XLPY_CELLS; // A1 addresses, shared with the WPS add-in too (loaded first)
  var OUTCOME_KEY = "xlpy.outcome";
  var OFFICE_JS_HOST = "appsforoffice.microsoft.com"; // where every Office host's pages load Office.js
  // Tool-owned sheets: their values are never needed by the server, so they are not sent.
  var SKIP_VALUES = ["报告正文", "校验结果"];
  var SEVERITY = { error: "错误", warning: "警告", hint: "提示" };
  // Requirement sets: REQUIRED is what manifest.xml declares (a test keeps them equal); OPTIONAL
  // APIs are used only where Office.context.requirements.isSetSupported says so, with a fallback.
  var REQUIRED = { ExcelApi: "1.1" };
  var OPTIONAL = {
    usedRangeOrNull: ["ExcelApi", "1.4"], // Worksheet.getUsedRangeOrNullObject
    byIndexes: ["ExcelApi", "1.7"], // Worksheet.getRangeByIndexes
    hyperlink: ["ExcelApi", "1.7"], // Range.hyperlink (else a HYPERLINK formula)
    properties: ["ExcelApi", "1.7"], // Workbook.properties.title
    autofit: ["ExcelApi", "1.2"], // RangeFormat.autofitColumns/autofitRows
    dialog: ["DialogApi", "1.1"] // Office.context.ui.displayDialogAsync (ribbon outcome)
  };

  // --- environment ----------------------------------------------------------------------------
  function PromiseClass() {
    // IE11 has no Promise; Office.js brings its own (OfficeExtension.Promise).
    return root.Promise || (root.OfficeExtension && root.OfficeExtension.Promise) || null;
  }

  function resolved(value) {
    var P = PromiseClass();
    return new P(function (resolve) { resolve(value); });
  }

  function supports(key) {
    var set = OPTIONAL[key];
    try {
      return !!root.Office.context.requirements.isSetSupported(set[0], set[1]);
    } catch (e) {
      return false; // no requirements API: only the 1.1 baseline is assumed
    }
  }

  // Why the pane cannot work here, in Chinese, or "" when it can.
  function environmentProblem(info) {
    if (!root.Office) {
      return "未能加载 Office.js：Excel 加载项必须从 " + OFFICE_JS_HOST + " 下载 Office.js，" +
        "本电脑无法访问该地址（政务内网常见）。请联系管理员放通该地址或在 xlpy 服务器上托管 Office.js，" +
        "或改用上传页面、宏工作簿（.xlsm）。";
    }
    if (!REQUEST || !CELLS) {
      return "加载项文件不完整（未能加载 xlpy_request.js 或 xlpy_cells.js）：请关闭并重新打开加载项；如仍出现，请联系管理员。";
    }
    if (!root.JSON || !root.XMLHttpRequest || !Array.prototype.forEach || !PromiseClass()) {
      return "此 Office 内置的浏览器版本过旧，无法运行本加载项（至少需要 Internet Explorer 11）。" +
        "请升级 Office，或改用上传页面、宏工作簿（.xlsm）。";
    }
    if (!root.Excel || (info && info.host && info.host !== "Excel")) {
      return "未检测到 Excel：请在 Excel 中通过“政府信息公开年报”加载项打开本页面。";
    }
    var req = null;
    try { req = root.Office.context.requirements; } catch (e) { req = null; }
    if (req && !req.isSetSupported("ExcelApi", REQUIRED.ExcelApi)) {
      return "此版本的 Excel 不支持加载项接口 ExcelApi " + REQUIRED.ExcelApi + "（需要 Excel 2016 或更高版本）。";
    }
    return "";
  }

  // --- addresses (column letters and name references: xlpy_cells.js) ------------------------
  function lastCell(address) {
    // "表三!A1:H30" -> "H30"
    var part = address.slice(address.lastIndexOf("!") + 1);
    return part.slice(part.lastIndexOf(":") + 1).replace(/\$/g, "");
  }

  function quoteSheet(name) {
    return "'" + name.replace(/'/g, "''") + "'";
  }

  // --- reading the workbook -----------------------------------------------------------------
  function bookName(title) {
    // Office.js has no workbook name; the document URL (a path or https URL) ends with it.
    var url = "";
    try { url = root.Office.context.document.url || ""; } catch (e) { url = ""; }
    var last = url.split(/[\\/]/).pop().split("?")[0];
    try { last = decodeURIComponent(last); } catch (e) { /* keep as is */ }
    return last || title || "工作簿.xlsx";
  }

  function sortedSheets(context) {
    var sheets = context.workbook.worksheets;
    sheets.load("items/name,items/position");
    return context.sync().then(function () {
      return sheets.items.slice().sort(function (a, b) { return a.position - b.position; });
    });
  }

  function usedRange(ws) {
    // ExcelApi 1.1's getUsedRange() returns A1 for an empty sheet, which reads as one empty cell.
    var u = supports("usedRangeOrNull") ? ws.getUsedRangeOrNullObject(true) : ws.getUsedRange();
    u.load("address");
    return u;
  }

  function selectedCell(context) {
    var sel = context.workbook.getSelectedRange();
    sel.load("address");
    return context.sync().then(function () {
      return lastCell(sel.address.split(":")[0]);
    }, function () {
      return null; // a chart or shape is selected: no range selection
    });
  }

  function readBook(context) {
    var wb = context.workbook;
    var s = { sheets: null, active: null, names: null, props: null, used: null, ranges: null };
    return sortedSheets(context).then(function (sheets) {
      s.sheets = sheets;
      s.active = wb.worksheets.getActiveWorksheet();
      s.active.load("position");
      s.names = wb.names;
      s.names.load("items/name,items/type,items/value");
      if (supports("properties")) {
        s.props = wb.properties;
        s.props.load("title");
      }
      s.used = sheets.map(usedRange);
      return context.sync();
    }).then(function () {
      s.ranges = s.sheets.map(function (ws, i) {
        if (s.used[i].isNullObject || SKIP_VALUES.indexOf(ws.name) >= 0) return null;
        var r = ws.getRange("A1:" + lastCell(s.used[i].address));
        r.load("values");
        return r;
      });
      return context.sync();
    }).then(function () {
      return selectedCell(context);
    }).then(function (selection) {
      return payloadOf(s, selection);
    });
  }

  function payloadOf(s, selection) {
    var order = s.sheets.map(function (ws) { return ws.name; });
    var payloadNames = [];
    s.names.items.forEach(function (n) {
      if (n.type !== "Range") return;
      var ref = CELLS.parseRef(n.value);
      if (!ref || order.indexOf(ref.sheet) < 0 || ref.address.indexOf(":") >= 0) return;
      payloadNames.push({
        name: n.name, sheet_index: order.indexOf(ref.sheet), address: ref.address,
        book_scope: true, scope_sheet_name: null, scope_sheet_index: null
      });
    });
    return {
      client: "Office.js",
      version: XLPY.clientVersion || "xlpy-addin",
      book: {
        name: bookName(s.props ? s.props.title : ""),
        active_sheet_index: s.active.position,
        selection: selection
      },
      names: payloadNames,
      sheets: s.sheets.map(function (ws, i) {
        return { name: ws.name, values: s.ranges[i] ? s.ranges[i].values : [[]], pictures: [], tables: [] };
      })
    };
  }

  // --- replaying actions --------------------------------------------------------------------
  function sheetAt(state, position) {
    var ws = state.sheets[position];
    if (!ws) throw new Error("工作表位置无效：" + position);
    return ws;
  }

  function rangeOf(state, a) {
    var ws = sheetAt(state, a.sheet_position);
    if (supports("byIndexes")) {
      return ws.getRangeByIndexes(a.start_row, a.start_column, a.row_count, a.column_count);
    }
    var first = CELLS.a1(a.start_row + 1, a.start_column + 1);
    var last = CELLS.a1(a.start_row + a.row_count, a.start_column + a.column_count);
    return ws.getRange(first === last ? first : first + ":" + last);
  }

  function grid(a, value) {
    var rows = [];
    for (var r = 0; r < a.row_count; r++) {
      var row = [];
      for (var c = 0; c < a.column_count; c++) row.push(value);
      rows.push(row);
    }
    return rows;
  }

  function hyperlinkFormula(address, text) {
    // Excel 2016 (ExcelApi 1.1) has no Range.hyperlink: the HYPERLINK worksheet function jumps too.
    function str(v) { return "\"" + String(v).replace(/"/g, "\"\"") + "\""; }
    return "=HYPERLINK(" + str(address) + "," + str(text) + ")";
  }

  // The actions this client replays (xlpy.excel.actions.OFFICE_JS is kept equal to this table).
  var ACTIONS = {
    setValues: function (state, a) { rangeOf(state, a).values = a.values; },
    rangeClear: function (state, a) { rangeOf(state, a).clear(); },
    rangeClearContents: function (state, a) { rangeOf(state, a).clear("Contents"); },
    rangeClearFormats: function (state, a) { rangeOf(state, a).clear("Formats"); },
    setRangeColor: function (state, a) {
      var fill = rangeOf(state, a).format.fill;
      if (a.args[0]) fill.color = a.args[0]; else fill.clear();
    },
    addSheet: function (state, a) {
      var ws = state.context.workbook.worksheets.add(a.args[1] || undefined);
      ws.position = a.args[0];
      state.reload = true;
    },
    setSheetName: function (state, a) { sheetAt(state, a.sheet_position).name = String(a.args[0]); },
    activateSheet: function (state, a) { sheetAt(state, a.args[0]).activate(); },
    rangeSelect: function (state, a) {
      sheetAt(state, a.sheet_position).activate();
      rangeOf(state, a).select();
    },
    addHyperlink: function (state, a) {
      var address = a.args[0] || "";
      var text = a.args[1] || address;
      if (!supports("hyperlink")) {
        rangeOf(state, a).formulas = [[hyperlinkFormula(address, text)]];
        return;
      }
      var link = { textToDisplay: text, screenTip: a.args[2] || "" };
      if (address.charAt(0) === "#") link.documentReference = address.slice(1); else link.address = address;
      rangeOf(state, a).hyperlink = link;
    },
    setNumberFormat: function (state, a) { rangeOf(state, a).numberFormat = grid(a, a.args[0]); },
    setAutofit: function (state, a) {
      if (!supports("autofit")) return; // cosmetic: Excel 2016 keeps the template's widths
      var format = rangeOf(state, a).format;
      if (a.args[0] === "columns") format.autofitColumns(); else format.autofitRows();
    },
    alert: function (state, a) { state.alerts.push({ title: a.args[1] || "", message: a.args[0] || "" }); },
    sheetClear: function (state, a) { sheetAt(state, a.sheet_position).getRange().clear(); },
    sheetClearContents: function (state, a) { sheetAt(state, a.sheet_position).getRange().clear("Contents"); },
    sheetClearFormats: function (state, a) { sheetAt(state, a.sheet_position).getRange().clear("Formats"); },
    sheetDelete: function (state, a) { sheetAt(state, a.sheet_position).delete(); state.reload = true; }
  };

  function applyActions(actions) {
    var alerts = [];
    return root.Excel.run(function (context) {
      var state = { context: context, sheets: null, alerts: alerts, reload: false };
      var i = 0;
      function step() {
        // Replays actions until one changes sheet positions; then re-reads them and goes on.
        while (i < actions.length) {
          var a = actions[i++];
          var fn = ACTIONS[a.func];
          if (!fn) throw new Error("此版本的加载项不支持操作“" + a.func + "”，请刷新加载项。");
          fn(state, a);
          if (state.reload) {
            state.reload = false;
            return context.sync().then(function () { return sortedSheets(context); }).then(function (sheets) {
              state.sheets = sheets;
              return step();
            });
          }
        }
        return context.sync();
      }
      return sortedSheets(context).then(function (sheets) {
        state.sheets = sheets;
        return step();
      });
    }).then(function () { return alerts; });
  }

  // --- talking to the server: xlpy_request.js (the WPS add-in's too), here in a Promise ----------
  function post(path, payload, binary) {
    var P = PromiseClass();
    return new P(function (resolve, reject) {
      REQUEST.post((XLPY.base || "") + path, payload, binary, function (err, xhr) {
        if (err) reject(err); else resolve(xhr);
      });
    });
  }

  function runScript(name) {
    return root.Excel.run(readBook).then(function (payload) {
      return post("/xlwings/custom-scripts-call/" + encodeURIComponent(name), payload, false);
    }).then(function (xhr) {
      var result = JSON.parse(xhr.responseText);
      return applyActions(result.actions || []).then(function (alerts) {
        return { xlpy: result.xlpy || {}, alerts: alerts };
      });
    });
  }

  function saveBlob(blob, name) {
    if (root.navigator && root.navigator.msSaveOrOpenBlob) {
      root.navigator.msSaveOrOpenBlob(blob, name); // IE11: no <a download>
      return;
    }
    var a = root.document.createElement("a");
    a.href = root.URL.createObjectURL(blob);
    a.download = name;
    root.document.body.appendChild(a);
    a.click();
    a.parentNode.removeChild(a);
  }

  function download(format, draft) {
    return root.Excel.run(readBook).then(function (payload) {
      return post("/addin/render?format=" + format + (draft ? "&draft=true" : ""), payload, true);
    }).then(function (xhr) {
      var name = "政府信息公开工作年度报告." + format;
      var disposition = xhr.getResponseHeader("Content-Disposition") || "";
      var m = /filename\*=UTF-8''([^;]+)/.exec(disposition);
      if (m) name = decodeURIComponent(m[1]);
      saveBlob(xhr.response, name);
      return name;
    });
  }

  function jumpTo(ref) {
    var target = CELLS.parseRef(ref);
    if (!target) return resolved(null);
    return root.Excel.run(function (context) {
      var ws = context.workbook.worksheets.getItem(target.sheet);
      ws.activate();
      ws.getRange(target.address).select();
      return context.sync();
    });
  }

  // --- outcome of a script run, for the pane and the ribbon dialog (xlpy_request.js) -----------
  function outcomeOf(out) { return REQUEST.outcomeOf(out.xlpy, out.alerts); }

  // --- task pane UI (text only: nothing from the server is parsed as HTML) -----------------
  function $(id) { return root.document.getElementById(id); }

  function setStatus(text, kind) {
    var el = $("status");
    if (!el) return;
    el.textContent = text;
    el.className = "status" + (kind ? " " + kind : "");
  }

  function showFindings(report) {
    var list = $("findings");
    if (!list) return;
    list.textContent = "";
    var findings = (report && report.findings) || [];
    var s = (report && report.summary) || null;
    $("summary").textContent = s ? "（错误 " + s.errors + "，警告 " + s.warnings + "，提示 " + s.hints + "）" : "";
    findings.forEach(function (f) {
      var li = root.document.createElement("li");
      li.className = f.severity;
      var b = root.document.createElement("button");
      b.type = "button";
      var cell = (f.cells && f.cells[0]) || "";
      var sev = root.document.createElement("span");
      sev.className = "sev";
      sev.textContent = (SEVERITY[f.severity] || f.severity) + " " + f.rule;
      b.appendChild(sev);
      if (cell) {
        var where = root.document.createElement("span");
        where.className = "where";
        where.textContent = cell;
        b.appendChild(where);
      }
      b.appendChild(root.document.createTextNode(f.message));
      b.disabled = !cell;
      b.addEventListener("click", function () { guard(function () { return jumpTo(cell); }); });
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  var busy = false;
  function guard(work) {
    if (busy) return resolved(null);
    busy = true;
    setButtons(false);
    function finish() {
      busy = false;
      setButtons(true);
    }
    var P = PromiseClass();
    return new P(function (resolve) { resolve(work()); }).then(finish, function (e) {
      setStatus(REQUEST.errorText(e), "error");
      finish();
    });
  }

  // The download buttons the server put in the page, one per format (data-format="docx" …).
  function formatButtons() {
    var list = root.document.querySelectorAll("button[data-format]");
    var out = [];
    for (var i = 0; i < list.length; i++) out.push(list[i]);
    return out;
  }

  function setButtons(on) {
    ["btn-validate", "btn-generate", "btn-fill"].forEach(function (id) {
      var b = $(id);
      if (b) b.disabled = !on;
    });
    formatButtons().forEach(function (b) { b.disabled = !on; });
  }

  function scriptButton(name, working) {
    return function () {
      return guard(function () {
        setStatus(working);
        return runScript(name).then(function (out) {
          var outcome = outcomeOf(out);
          setStatus(outcome.message, outcome.kind === "ok" ? "ok" : "error");
          if (out.xlpy.report) showFindings(out.xlpy.report);
        });
      });
    };
  }

  function downloadButton(format) {
    return function () {
      return guard(function () {
        // A PDF is converted by LibreOffice on the server: seconds, not milliseconds.
        setStatus("正在生成 " + format.toUpperCase() + " 报告……" + (format === "pdf" ? "（PDF 需要几秒钟）" : ""));
        return download(format, $("opt-draft") && $("opt-draft").checked).then(function (name) {
          setStatus("已生成：" + name, "ok");
        });
      });
    };
  }

  function initPane(info) {
    if (!$("btn-validate")) return; // the ribbon's function file has no UI
    var problem = environmentProblem(info);
    var token = $("opt-token");
    if (REQUEST) {
      token.value = REQUEST.token();
      token.onchange = function () { REQUEST.setToken(token.value); };
    }
    if (problem) {
      setStatus(problem, "error");
      return;
    }
    $("btn-validate").onclick = scriptButton("validate", "正在校验……");
    $("btn-generate").onclick = scriptButton("generate", "正在生成报告……");
    $("btn-fill").onclick = scriptButton("fill_zeros", "正在填 0……");
    formatButtons().forEach(function (b) { b.onclick = downloadButton(b.getAttribute("data-format")); });
    setButtons(true);
    setStatus("就绪。点击“校验”检查本工作簿。");
  }

  // --- ribbon buttons (ExecuteFunction): run, show the outcome in a dialog, then complete -------
  function dialogUrl(outcome) {
    // The dialog page must be on the add-in's own origin: outcome.html beside this function file.
    var here = root.location.href.split("#")[0].split("?")[0];
    var id = String(new Date().getTime());
    try { root.localStorage.setItem(OUTCOME_KEY, JSON.stringify({ id: id, outcome: outcome })); } catch (e) { /* query only */ }
    var short = outcome.message.length > 150 ? outcome.message.slice(0, 150) + "……" : outcome.message;
    return here.slice(0, here.lastIndexOf("/") + 1) + "outcome.html?id=" + id +
      "&kind=" + outcome.kind + "&title=" + encodeURIComponent(outcome.title) + "&message=" + encodeURIComponent(short);
  }

  function showOutcome(outcome, done) {
    var ui = null;
    try { ui = root.Office.context.ui; } catch (e) { ui = null; }
    if (!ui || !ui.displayDialogAsync || !supports("dialog")) {
      // No dialog API (Excel 2016 before DialogApi 1.1): the outcome stays visible in the sheets.
      if (root.console) root.console.log("xlpy: " + outcome.title + " — " + outcome.message);
      done();
      return;
    }
    ui.displayDialogAsync(dialogUrl(outcome), { height: 30, width: 30, displayInIframe: true }, function (result) {
      if (result.status !== "succeeded") {
        done();
        return;
      }
      var dialog = result.value;
      var types = root.Office.EventType;
      dialog.addEventHandler(types.DialogMessageReceived, function () {
        dialog.close();
        done();
      });
      dialog.addEventHandler(types.DialogEventReceived, function () { done(); }); // closed with ×
    });
  }

  function command(name) {
    return function (event) {
      var finished = false;
      function done() {
        if (finished) return;
        finished = true;
        if (event && event.completed) event.completed();
      }
      var problem = environmentProblem(null);
      var run = problem ? resolved({ kind: "error", title: "无法运行", message: problem })
        : runScript(name).then(outcomeOf).then(null, REQUEST.failureOf);
      run.then(function (outcome) {
        XLPY.lastOutcome = outcome;
        showOutcome(outcome, done);
      });
    };
  }

  XLPY.parseRef = CELLS && CELLS.parseRef;
  XLPY.readBook = readBook;
  XLPY.applyActions = applyActions;
  XLPY.runScript = runScript;
  XLPY.jumpTo = jumpTo;
  XLPY.actions = Object.keys(ACTIONS);
  XLPY.required = REQUIRED;
  XLPY.optional = OPTIONAL;
  root.xlpyValidate = command("validate");
  root.xlpyGenerate = command("generate");
  root.xlpyFillZeros = command("fill_zeros");

  function start(info) {
    if (root.Office && root.Office.actions && root.Office.actions.associate) {
      root.Office.actions.associate("xlpyValidate", root.xlpyValidate);
      root.Office.actions.associate("xlpyGenerate", root.xlpyGenerate);
      root.Office.actions.associate("xlpyFillZeros", root.xlpyFillZeros);
    }
    initPane(info);
  }

  function whenDomReady(fn) {
    if (root.document.readyState === "loading") {
      root.document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  if (root.Office && typeof root.Office.onReady === "function") {
    root.Office.onReady(function (info) { whenDomReady(function () { start(info); }); });
  } else if (root.Office) {
    // Office.js before onReady (Excel 2016 builds): Office.initialize is the documented hook.
    root.Office.initialize = function () { whenDomReady(function () { start(null); }); };
  } else {
    whenDomReady(function () { start(null); });
  }
})(window);
