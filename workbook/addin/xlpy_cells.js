/* A1 addresses as both add-ins write and read them: the Office.js task pane (taskpane.js) and the WPS
 * add-in (../wps/js/xlpy_et.js, whose index.html loads this file from here). Column letters, a cell's
 * address from its 1-based row and column, and a defined name's reference ("='表三'!$D$7") taken apart.
 * ES5, like every served script (test_addin_es5). */
(function (root) {
  "use strict";

  var C = (root.XLPY_CELLS = root.XLPY_CELLS || {});

  function colLetter(n) {
    var s = "";
    while (n > 0) {
      var m = (n - 1) % 26;
      s = String.fromCharCode(65 + m) + s;
      n = Math.floor((n - 1) / 26);
    }
    return s;
  }

  function a1(row, col) { return colLetter(col) + row; } // 1-based

  // "'表三'!$D$7", "=表三!D7" or "表三!A1:H30" -> {sheet: "表三", address: "D7" / "A1:H30"}; null for
  // anything else (constants, formulas, other workbooks).
  function parseRef(text) {
    if (typeof text !== "string") return null;
    var t = text.replace(/^\s+|\s+$/g, "");
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

  C.colLetter = colLetter;
  C.a1 = a1;
  C.parseRef = parseRef;
})(window);
