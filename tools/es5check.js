// Parses each file named on the command line as an ECMAScript 5 script with acorn; prints one JSON
// line per file: {"file", "ok", "error"} (the error names line and column). Exit code 0 either way.
"use strict";
var acorn = require("acorn");
var fs = require("fs");
process.argv.slice(2).forEach(function (file) {
  var result = { file: file, ok: true, error: null };
  try {
    acorn.parse(fs.readFileSync(file, "utf8"), { ecmaVersion: 5, sourceType: "script" });
  } catch (e) {
    result.ok = false;
    result.error = e.message;
  }
  console.log(JSON.stringify(result));
});
