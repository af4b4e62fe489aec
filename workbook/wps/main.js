/* xlpy WPS add-in entry (wpsjs layout). index.html loads this file and js/xlpy_et.js, js/ribbon.js;
 * nothing here but the add-in's identity, so the page works without document.write. */
(function (root) {
  "use strict";
  root.XLPY_WPS_ADDIN = { name: "xlpy", version: "1.0.0" };
})(window);
