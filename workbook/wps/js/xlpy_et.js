/* xlpy client for WPS 表格 (ET): reads the active workbook through WPS's ET object model into the
 * xlwings remote-protocol payload, POSTs it to the xlpy server that serves this add-in, and replays
 * the returned actions — the same protocol and action table as the Office.js task pane, each action
 * done the way xlwings' own VBA client (Remote.bas) does it with the Excel object model ET mirrors.
 *
 * ET members used (1-based collections, as in ET's documented object model): Application.ActiveWorkbook,
 * Application.ActiveCell.Row/.Column; Workbook.Name, .Sheets.Count/.Item(i)/.Add(Before, After),
 * .Names.Count/.Item(i).Name/.RefersTo; Worksheet.Name, .UsedRange, .Range(address), .Cells.Clear()/
 * .ClearContents()/.ClearFormats(), .Activate(), .Delete(); Range.Row, .Column, .Rows.Count, .Columns.Count,
 * .Value2, .Interior.Color, .NumberFormat, .Clear(), .ClearContents(), .ClearFormats(), .Select(),
 * .Columns.AutoFit(), .Rows.AutoFit(), .Hyperlinks.Add(Anchor, Address, SubAddress, ScreenTip, TextToDisplay).
 * ES5 like the Office.js client (one parser check for every served script), whose xlpy_request.js
 * it shares for talking to the server. */
(function (root) {
  "use strict";

  var X = (root.XLPY_ET = root.XLPY_ET || {});
  // The server calls, the error shape and the outcome wording, shared with the Office.js task pane
  // (index.html loads ../addin/xlpy_request.js first).
  var REQUEST = root.XLPY_REQUEST;
  var CELLS = root.XLPY_CELLS; // A1 addresses, shared likewise (../addin/xlpy_cells.js)
  var INCOMPLETE = "加载项文件不完整（未能加载 xlpy_request.js 或 xlpy_cells.js）：请重新启动 WPS；如仍出现，请联系管理员。";
  var SKIP_VALUES = ["报告正文", "校验结果"]; // tool-owned sheets: never needed by the server

  function app() {
    var a = root.Application || (root.wps && root.wps.Application);
    if (!a) throw new Error("未检测到 WPS 表格：请在 WPS 表格中通过“政府信息公开年报”加载项使用本功能。");
    return a;
  }

  function activeBook() {
    var wb = app().ActiveWorkbook;
    if (!wb) throw new Error("当前没有打开的工作簿。");
    return wb;
  }

  // --- addresses: xlpy_cells.js (the Office.js pane's too) -------------------------------------
  function a1(row, col) { return CELLS.a1(row, col); } // 1-based

  // --- reading the workbook --------------------------------------------------------------------
  function sheetsOf(wb) {
    var out = [];
    for (var i = 1; i <= wb.Sheets.Count; i++) out.push(wb.Sheets.Item(i));
    return out;
  }

  function grid(value) {
    // Value2 of one cell is a scalar, of several a rows×columns array; empty cells read as "".
    var rows = value instanceof Array ? value : [[value]];
    return rows.map(function (row) {
      return (row instanceof Array ? row : [row]).map(function (v) { return v === undefined || v === null ? "" : v; });
    });
  }

  function sheetValues(ws) {
    if (SKIP_VALUES.indexOf(ws.Name) >= 0) return [[]];
    var used = ws.UsedRange;
    var lastRow = used.Row + used.Rows.Count - 1;
    var lastCol = used.Column + used.Columns.Count - 1;
    return grid(ws.Range("A1:" + a1(lastRow, lastCol)).Value2);
  }

  function readBook() {
    var wb = activeBook();
    var sheets = sheetsOf(wb);
    var order = sheets.map(function (ws) { return ws.Name; });
    var names = [];
    for (var i = 1; i <= wb.Names.Count; i++) {
      var n = wb.Names.Item(i);
      var ref = CELLS.parseRef(n.RefersTo);
      if (!ref || order.indexOf(ref.sheet) < 0 || ref.address.indexOf(":") >= 0) continue; // one cell each
      names.push({
        name: n.Name, sheet_index: order.indexOf(ref.sheet), address: ref.address,
        book_scope: true, scope_sheet_name: null, scope_sheet_index: null
      });
    }
    var active = app().ActiveSheet;
    var cell = app().ActiveCell;
    return {
      // The server's xlwings engine knows Excel clients only; this one replays exactly the Office.js
      // client's action table (a test keeps the two equal), so it presents itself as that client.
      client: "Office.js",
      version: "xlpy-wps",
      book: {
        name: wb.Name || "工作簿.xlsx",
        active_sheet_index: active ? Math.max(order.indexOf(active.Name), 0) : 0,
        selection: cell ? a1(cell.Row, cell.Column) : null
      },
      names: names,
      sheets: sheets.map(function (ws) { return { name: ws.Name, values: sheetValues(ws), pictures: [], tables: [] }; })
    };
  }

  // --- replaying actions (as Remote.bas does) ---------------------------------------------------
  function sheetAt(wb, position) {
    if (position < 0 || position >= wb.Sheets.Count) throw new Error("工作表位置无效：" + position);
    return wb.Sheets.Item(position + 1);
  }

  function rangeOf(wb, a) {
    var ws = sheetAt(wb, a.sheet_position);
    var first = a1(a.start_row + 1, a.start_column + 1);
    var last = a1(a.start_row + a.row_count, a.start_column + a.column_count);
    return ws.Range(first === last ? first : first + ":" + last);
  }

  function bgr(hex) {
    // "#RRGGBB" -> the Excel/ET colour number (red in the low byte), as Remote.bas's HexToRgb + RGB().
    var h = String(hex).replace("#", "");
    return parseInt(h.slice(0, 2), 16) + parseInt(h.slice(2, 4), 16) * 256 + parseInt(h.slice(4, 6), 16) * 65536;
  }

  var ACTIONS = {
    setValues: function (wb, a, out) { rangeOf(wb, a).Value2 = a.values; },
    rangeClear: function (wb, a, out) { rangeOf(wb, a).Clear(); },
    rangeClearContents: function (wb, a, out) { rangeOf(wb, a).ClearContents(); },
    rangeClearFormats: function (wb, a, out) { rangeOf(wb, a).ClearFormats(); },
    setRangeColor: function (wb, a, out) {
      var interior = rangeOf(wb, a).Interior;
      if (a.args[0]) interior.Color = bgr(a.args[0]); else interior.ColorIndex = -4142; // xlColorIndexNone
    },
    addSheet: function (wb, a, out) {
      var count = wb.Sheets.Count;
      var ws = a.args[0] >= count ? wb.Sheets.Add(undefined, wb.Sheets.Item(count)) : wb.Sheets.Add(wb.Sheets.Item(a.args[0] + 1));
      if (a.args[1]) ws.Name = a.args[1];
    },
    setSheetName: function (wb, a, out) { sheetAt(wb, a.sheet_position).Name = String(a.args[0]); },
    activateSheet: function (wb, a, out) { sheetAt(wb, a.args[0]).Activate(); },
    rangeSelect: function (wb, a, out) {
      sheetAt(wb, a.sheet_position).Activate();
      rangeOf(wb, a).Select();
    },
    addHyperlink: function (wb, a, out) {
      var range = rangeOf(wb, a);
      range.Hyperlinks.Add(range, a.args[0] || "", "", a.args[2] || "", a.args[1] || a.args[0] || "");
    },
    setNumberFormat: function (wb, a, out) { rangeOf(wb, a).NumberFormat = a.args[0]; },
    setAutofit: function (wb, a, out) {
      var range = rangeOf(wb, a);
      if (a.args[0] === "columns") range.Columns.AutoFit(); else range.Rows.AutoFit();
    },
    alert: function (wb, a, out) { out.push({ title: a.args[1] || "", message: a.args[0] || "" }); },
    sheetClear: function (wb, a, out) { sheetAt(wb, a.sheet_position).Cells.Clear(); },
    sheetClearContents: function (wb, a, out) { sheetAt(wb, a.sheet_position).Cells.ClearContents(); },
    sheetClearFormats: function (wb, a, out) { sheetAt(wb, a.sheet_position).Cells.ClearFormats(); },
    sheetDelete: function (wb, a, out) { sheetAt(wb, a.sheet_position).Delete(); }
  };

  function applyActions(actions) {
    var wb = activeBook();
    var alerts = [];
    actions.forEach(function (a) {
      var fn = ACTIONS[a.func];
      if (!fn) throw new Error("此版本的加载项不支持操作“" + a.func + "”，请更新加载项。");
      fn(wb, a, alerts);
    });
    return alerts;
  }

  // --- the server (the one that serves this add-in: same origin), through xlpy_request.js ---------
  function serverBase() {
    // index.html is served at <server>/wps/index.html: the endpoints are on the same server.
    var here = root.location.href.split("#")[0].split("?")[0];
    return here.slice(0, here.lastIndexOf("/wps/"));
  }

  // Run one script: callback(outcome) with {kind: ok|refused|error, title, message}.
  function runScript(name, callback) {
    if (!REQUEST || !CELLS) return callback({ kind: "error", title: "出错了", message: INCOMPLETE });
    var payload;
    try {
      payload = readBook();
    } catch (e) {
      return callback(REQUEST.failureOf(e));
    }
    var url = serverBase() + "/xlwings/custom-scripts-call/" + encodeURIComponent(name);
    REQUEST.postJson(url, payload, function (err, result) {
      if (err) return callback(REQUEST.failureOf(err));
      var alerts;
      try {
        alerts = applyActions(result.actions || []);
      } catch (e) {
        return callback(REQUEST.failureOf(e));
      }
      callback(REQUEST.outcomeOf(result.xlpy, alerts));
    });
  }

  X.readBook = readBook;
  X.applyActions = applyActions;
  X.runScript = runScript;
  X.setToken = function (value) { if (REQUEST) REQUEST.setToken(value); };
  X.token = function () { return REQUEST ? REQUEST.token() : ""; };
  X.actions = Object.keys(ACTIONS);
})(window);
