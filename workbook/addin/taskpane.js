/* xlpy task pane and ribbon commands: reads the workbook with Excel.run into the xlwings
 * remote-protocol payload, POSTs it to the xlpy server, and replays the returned actions.
 * Plain ES2017, no build step, no dependencies besides Office.js (loaded by the page). */
(function (root) {
  "use strict";

  var XLPY = (root.XLPY = root.XLPY || {});
  var TOKEN_KEY = "xlpy.token";
  // Tool-owned sheets: their values are never needed by the server, so they are not sent.
  var SKIP_VALUES = ["报告正文", "校验结果"];
  var SEVERITY = { error: "错误", warning: "警告", hint: "提示" };

  // --- addresses --------------------------------------------------------------------------
  function colLetter(n) {
    var s = "";
    while (n > 0) {
      var m = (n - 1) % 26;
      s = String.fromCharCode(65 + m) + s;
      n = Math.floor((n - 1) / 26);
    }
    return s;
  }

  // "'表三'!$D$7" or "=表三!D7" -> {sheet: "表三", address: "D7"}; null for anything else.
  function parseRef(text) {
    if (typeof text !== "string") return null;
    var t = text.trim();
    if (t.charAt(0) === "=") t = t.slice(1);
    var bang = t.lastIndexOf("!");
    if (bang < 1) return null;
    var sheet = t.slice(0, bang);
    var address = t.slice(bang + 1).replace(/\$/g, "").toUpperCase();
    if (sheet.charAt(0) === "'" && sheet.charAt(sheet.length - 1) === "'") {
      sheet = sheet.slice(1, -1).replace(/''/g, "'");
    }
    if (!/^[A-Z]{1,3}\d+(:[A-Z]{1,3}\d+)?$/.test(address)) return null;
    return { sheet: sheet, address: address };
  }

  function lastCell(address) {
    // "表三!A1:H30" -> "H30"
    var part = address.slice(address.lastIndexOf("!") + 1);
    return part.slice(part.lastIndexOf(":") + 1).replace(/\$/g, "");
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

  async function sortedSheets(context) {
    var sheets = context.workbook.worksheets;
    sheets.load("items/name,items/position");
    await context.sync();
    return sheets.items.slice().sort(function (a, b) { return a.position - b.position; });
  }

  async function readBook(context) {
    var wb = context.workbook;
    var sheets = await sortedSheets(context);
    var active = wb.worksheets.getActiveWorksheet();
    active.load("position");
    var names = wb.names;
    names.load("items/name,items/type,items/value");
    var props = wb.properties;
    props.load("title");
    var used = sheets.map(function (ws) {
      var u = ws.getUsedRangeOrNullObject(true);
      u.load("address");
      return u;
    });
    await context.sync();
    var ranges = sheets.map(function (ws, i) {
      if (used[i].isNullObject || SKIP_VALUES.indexOf(ws.name) >= 0) return null;
      var r = ws.getRange("A1:" + lastCell(used[i].address));
      r.load("values");
      return r;
    });
    var selection = null;
    try {
      var sel = wb.getSelectedRange();
      sel.load("address");
      await context.sync();
      selection = lastCell(sel.address.split(":")[0]);
    } catch (e) {
      selection = null; // a chart or shape is selected: no range selection
    }
    var order = sheets.map(function (ws) { return ws.name; });
    var payloadNames = [];
    names.items.forEach(function (n) {
      if (n.type !== "Range") return;
      var ref = parseRef(n.value);
      if (!ref || order.indexOf(ref.sheet) < 0 || ref.address.indexOf(":") >= 0) return;
      payloadNames.push({
        name: n.name, sheet_index: order.indexOf(ref.sheet), address: ref.address,
        book_scope: true, scope_sheet_name: null, scope_sheet_index: null,
      });
    });
    return {
      client: "Office.js",
      version: XLPY.clientVersion || "xlpy-addin",
      book: { name: bookName(props.title), active_sheet_index: active.position, selection: selection },
      names: payloadNames,
      sheets: sheets.map(function (ws, i) {
        return { name: ws.name, values: ranges[i] ? ranges[i].values : [[]], pictures: [], tables: [] };
      }),
    };
  }

  // --- replaying actions --------------------------------------------------------------------
  function sheetAt(state, position) {
    var ws = state.sheets[position];
    if (!ws) throw new Error("工作表位置无效：" + position);
    return ws;
  }

  function rangeOf(state, a) {
    return sheetAt(state, a.sheet_position).getRangeByIndexes(a.start_row, a.start_column, a.row_count, a.column_count);
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

  // The actions this client replays (xlpy.excel.actions.OFFICE_JS is kept equal to this table).
  const ACTIONS = {
    setValues(state, a) { rangeOf(state, a).values = a.values; },
    rangeClear(state, a) { rangeOf(state, a).clear(); },
    rangeClearContents(state, a) { rangeOf(state, a).clear("Contents"); },
    rangeClearFormats(state, a) { rangeOf(state, a).clear("Formats"); },
    setRangeColor(state, a) {
      var fill = rangeOf(state, a).format.fill;
      if (a.args[0]) fill.color = a.args[0]; else fill.clear();
    },
    addSheet(state, a) {
      var ws = state.context.workbook.worksheets.add(a.args[1] || undefined);
      ws.position = a.args[0];
      state.reload = true;
    },
    setSheetName(state, a) { sheetAt(state, a.sheet_position).name = String(a.args[0]); },
    activateSheet(state, a) { sheetAt(state, a.args[0]).activate(); },
    rangeSelect(state, a) {
      sheetAt(state, a.sheet_position).activate();
      rangeOf(state, a).select();
    },
    addHyperlink(state, a) {
      var address = a.args[0] || "";
      var link = { textToDisplay: a.args[1] || address, screenTip: a.args[2] || "" };
      if (address.charAt(0) === "#") link.documentReference = address.slice(1); else link.address = address;
      rangeOf(state, a).hyperlink = link;
    },
    setNumberFormat(state, a) { rangeOf(state, a).numberFormat = grid(a, a.args[0]); },
    setAutofit(state, a) {
      var format = rangeOf(state, a).format;
      if (a.args[0] === "columns") format.autofitColumns(); else format.autofitRows();
    },
    alert(state, a) { state.alerts.push({ title: a.args[1] || "", message: a.args[0] || "" }); },
    sheetClear(state, a) { sheetAt(state, a.sheet_position).getRange().clear(); },
    sheetClearContents(state, a) { sheetAt(state, a.sheet_position).getRange().clear("Contents"); },
    sheetClearFormats(state, a) { sheetAt(state, a.sheet_position).getRange().clear("Formats"); },
    sheetDelete(state, a) { sheetAt(state, a.sheet_position).delete(); state.reload = true; },
  };

  async function applyActions(actions) {
    var alerts = [];
    await root.Excel.run(async function (context) {
      var state = { context: context, sheets: await sortedSheets(context), alerts: alerts, reload: false };
      for (var i = 0; i < actions.length; i++) {
        var a = actions[i];
        var fn = ACTIONS[a.func];
        if (!fn) throw new Error("此版本的加载项不支持操作“" + a.func + "”，请刷新加载项。");
        fn(state, a);
        if (state.reload) {
          // Sheet positions changed: later actions address sheets by their new positions.
          await context.sync();
          state.sheets = await sortedSheets(context);
          state.reload = false;
        }
      }
      await context.sync();
    });
    return alerts;
  }

  // --- talking to the server ----------------------------------------------------------------
  function headers() {
    var h = { "Content-Type": "application/json" };
    var token = "";
    try { token = root.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { /* storage disabled */ }
    if (token) h.Authorization = "Bearer " + token;
    return h;
  }

  async function post(path, payload) {
    var resp = await root.fetch((XLPY.base || "") + path, {
      method: "POST", headers: headers(), body: JSON.stringify(payload), credentials: "same-origin",
    });
    if (!resp.ok) {
      var message = "服务器返回错误（" + resp.status + "）";
      var errors = [];
      try {
        var body = await resp.json();
        if (body && body.error) message = body.error;
        errors = (body && body.errors) || [];
      } catch (e) { /* not JSON */ }
      var err = new Error(message);
      err.status = resp.status;
      err.errors = errors;
      throw err;
    }
    return resp;
  }

  async function runScript(name) {
    var payload = await root.Excel.run(readBook);
    var resp = await post("/xlwings/custom-scripts-call/" + encodeURIComponent(name), payload);
    var result = await resp.json();
    var alerts = await applyActions(result.actions || []);
    return { xlpy: result.xlpy || {}, alerts: alerts };
  }

  async function download(format, draft) {
    var payload = await root.Excel.run(readBook);
    var resp = await post("/addin/render?format=" + format + (draft ? "&draft=true" : ""), payload);
    var blob = await resp.blob();
    var name = "政府信息公开工作年度报告." + format;
    var disposition = resp.headers.get("Content-Disposition") || "";
    var m = /filename\*=UTF-8''([^;]+)/.exec(disposition);
    if (m) name = decodeURIComponent(m[1]);
    var a = root.document.createElement("a");
    a.href = root.URL.createObjectURL(blob);
    a.download = name;
    root.document.body.appendChild(a);
    a.click();
    a.remove();
    return name;
  }

  async function jumpTo(ref) {
    var target = parseRef(ref);
    if (!target) return;
    await root.Excel.run(async function (context) {
      var ws = context.workbook.worksheets.getItem(target.sheet);
      ws.activate();
      ws.getRange(target.address).select();
      await context.sync();
    });
  }

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
  async function guard(work) {
    if (busy) return;
    busy = true;
    setButtons(false);
    try {
      await work();
    } catch (e) {
      var text = (e && e.message) || String(e);
      if (e && e.errors && e.errors.length && e.errors[0].message && e.errors[0].message !== text) {
        text += "\n" + e.errors.slice(0, 5).map(function (x) { return "· " + x.message; }).join("\n");
      }
      setStatus(text, "error");
    } finally {
      busy = false;
      setButtons(true);
    }
  }

  function setButtons(on) {
    ["btn-validate", "btn-generate", "btn-fill", "btn-docx", "btn-html"].forEach(function (id) {
      var b = $(id);
      if (b) b.disabled = !on;
    });
  }

  function scriptButton(name, working) {
    return function () {
      return guard(async function () {
        setStatus(working);
        var out = await runScript(name);
        var message = out.alerts.map(function (x) { return x.message; }).join("\n") || out.xlpy.message || "完成";
        var ok = out.xlpy.report ? out.xlpy.report.final_ok : true;
        setStatus(message, ok ? "ok" : "error");
        if (out.xlpy.report) showFindings(out.xlpy.report);
      });
    };
  }

  function downloadButton(format) {
    return function () {
      return guard(async function () {
        setStatus("正在生成 " + format.toUpperCase() + " 报告……");
        var name = await download(format, $("opt-draft") && $("opt-draft").checked);
        setStatus("已生成：" + name, "ok");
      });
    };
  }

  function initPane() {
    if (!$("btn-validate")) return; // the ribbon's function file has no UI
    $("btn-validate").addEventListener("click", scriptButton("validate", "正在校验……"));
    $("btn-generate").addEventListener("click", scriptButton("generate", "正在生成报告……"));
    $("btn-fill").addEventListener("click", scriptButton("fill_zeros", "正在填 0……"));
    $("btn-docx").addEventListener("click", downloadButton("docx"));
    $("btn-html").addEventListener("click", downloadButton("html"));
    var token = $("opt-token");
    try { token.value = root.localStorage.getItem(TOKEN_KEY) || ""; } catch (e) { /* storage disabled */ }
    token.addEventListener("change", function () {
      try { root.localStorage.setItem(TOKEN_KEY, token.value.trim()); } catch (e) { /* storage disabled */ }
    });
    if (!root.Excel) {
      setStatus("未检测到 Excel：请在 Excel 中通过“政府信息公开年报”加载项打开本页面。", "error");
      return;
    }
    setButtons(true);
    setStatus("就绪。点击“校验”检查本工作簿。");
  }

  // Ribbon buttons (ExecuteFunction): run the script, then tell Office the command is done.
  function command(name) {
    return function (event) {
      runScript(name).catch(function (e) {
        if (root.console) root.console.error("xlpy: " + ((e && e.message) || e));
      }).then(function () {
        if (event && event.completed) event.completed();
      });
    };
  }

  XLPY.parseRef = parseRef;
  XLPY.readBook = readBook;
  XLPY.applyActions = applyActions;
  XLPY.runScript = runScript;
  XLPY.jumpTo = jumpTo;
  XLPY.actions = Object.keys(ACTIONS);
  root.xlpyValidate = command("validate");
  root.xlpyGenerate = command("generate");

  function start() {
    if (root.Office && root.Office.actions && root.Office.actions.associate) {
      root.Office.actions.associate("xlpyValidate", root.xlpyValidate);
      root.Office.actions.associate("xlpyGenerate", root.xlpyGenerate);
    }
    initPane();
  }

  if (root.Office && typeof root.Office.onReady === "function") {
    root.Office.onReady(function () {
      if (root.document.readyState === "loading") root.document.addEventListener("DOMContentLoaded", start);
      else start();
    });
  } else if (root.document.readyState === "loading") {
    root.document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(window);
