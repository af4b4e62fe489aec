/* Ribbon callbacks named in ribbon.xml: the three buttons run the xlpy scripts through js/xlpy_et.js
 * and tell the outcome in a message box (alert, as the wpsjs template does): errors, the refusal, success. */
(function (root) {
  "use strict";

  var SCRIPTS = { btnValidate: "validate", btnGenerate: "generate", btnFillZeros: "fill_zeros" };
  var busy = false;

  root.OnAddinLoad = function (ribbonUI) {
    var app = root.Application || (root.wps && root.wps.Application);
    if (app && typeof app.ribbonUI !== "object") app.ribbonUI = ribbonUI;
    return true;
  };

  function tell(outcome) {
    root.alert(outcome.title + "\n\n" + outcome.message);
  }

  root.OnAction = function (control) {
    var id = control && control.Id;
    if (id === "btnToken") {
      var value = root.prompt("访问令牌（管理员提供；服务器未设置令牌时留空）：", root.XLPY_ET.token());
      if (value !== null) root.XLPY_ET.setToken(value);
      return true;
    }
    var script = SCRIPTS[id];
    if (!script) return true;
    if (busy) {
      root.alert("上一个操作还在进行，请稍候。");
      return true;
    }
    busy = true;
    root.XLPY_ET.runScript(script, function (outcome) {
      busy = false;
      root.XLPY_ET.lastOutcome = outcome;
      tell(outcome);
    });
    return true;
  };
})(window);
