// Upload page logic. Every string from a workbook or the server is inserted with textContent,
// never innerHTML: a clerk's narrative may contain "<script>". Nothing is stored in the browser
// (no cookies, no localStorage); files and the token live only in this page's memory.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  // Calling the server, showing its errors, saving downloads: request.js, shared with the workspace page.
  const { el, say, sayErrors, request, save } = window.xlpyPage;
  const SEVERITY = { error: "错误", warning: "警告", hint: "提示" };
  const SECTIONS = [
    ["基本信息", "基本信息"], ["一", "一、总体情况"], ["二", "二、主动公开政府信息情况"],
    ["三", "三、收到和处理政府信息公开申请情况"], ["四", "四、政府信息公开行政复议、行政诉讼情况"],
    ["五", "五、存在的主要问题及改进情况"], ["六", "六、其他需要报告的事项"], ["跨年度", "跨年度核对"],
  ];
  // Which files the server reads, and why it refuses the others, come from the server with the page
  // (the input's accept and data-refused attributes): one list for reader, batch and page.
  const MAX_CELLS_SHOWN = 3;  // a finding may name dozens of cells: the rest fold into “共 N 处”

  function headers() {
    const token = $("token").value.trim();
    return token ? { Authorization: "Bearer " + token } : {};
  }

  function formData(extra) {
    const data = new FormData();
    data.append("file", $("file").files[0]);
    const last = $("last-year").files[0];
    if (last) data.append("last_year", last);
    for (const [key, value] of Object.entries(extra || {})) data.append(key, value);
    return data;
  }

  // With a workspace token, validating and the annotated copy go to the workspace: the same check, with the
  // supervisor's decisions on the warnings (nothing is stored). Other downloads stay on /api.
  function workspaceToken() {
    return $("ws-token").value.trim();
  }

  // The response, or null once the failure is shown in `statusId` (a refused token says what to do).
  async function call(url, options, statusId) {
    const auth = url.startsWith("/workspace/") ? { Authorization: "Bearer " + workspaceToken() } : headers();
    try {
      return await request(url, Object.assign({ headers: auth }, options));
    } catch (failure) {
      if (failure.status === 401 && url.startsWith("/workspace/")) {
        say(statusId, "工作台令牌不正确或已失效：请核对上级政务公开办发给本单位的令牌，或清空该框后只做校验。", "error");
      } else if (failure.status === 401) {
        $("token-row").hidden = false;
        $("token").focus();
        say(statusId, $("token").value.trim()
          ? "访问令牌不正确或已失效：请核对管理员提供的令牌后重试。"
          : "本服务需要访问令牌：请在下面的“访问令牌”框中填写管理员提供的令牌，然后重试。", "error");
      } else {
        sayErrors(statusId, failure.body);
      }
      return null;
    }
  }

  function suffixOf(name) {
    const dot = name.lastIndexOf(".");
    return dot < 0 ? "" : name.slice(dot).toLowerCase();
  }

  function checkChosenFile(input, label) {
    const file = input.files[0];
    if (!file) return label + "：请先选择文件。";
    const suffix = suffixOf(file.name);
    let refused = {};
    try { refused = JSON.parse(input.dataset.refused || "{}"); } catch (e) { /* keep {} */ }
    if (refused[suffix]) return label + "“" + file.name + "”：" + refused[suffix];
    const readable = input.accept.split(",").map((s) => s.trim().toLowerCase());
    if (!readable.includes(suffix)) {
      return label + "“" + file.name + "”不是年报工作簿或已发布的年报（可提交 " + readable.join("、") + " 文件）。";
    }
    return null;
  }

  async function validate(event) {
    event.preventDefault();
    const problem = checkChosenFile($("file"), "本年度工作簿")
      || ($("last-year").files[0] ? checkChosenFile($("last-year"), "上年度工作簿") : null);
    if (problem) {
      say("status", problem, "error");
      $("results").hidden = true;
      return;
    }
    const button = $("validate-btn");
    button.disabled = true;
    say("status", "正在校验……");
    try {
      const url = workspaceToken() ? "/workspace/api/check" : "/api/validate";
      const response = await call(url, { method: "POST", body: formData() }, "status");
      if (!response) { $("results").hidden = true; return; }
      const report = await response.json();
      showReport(report);
      // The colour says the result: green only when the workbook may go to a final report.
      say("status", report.final_ok ? "校验完成：通过。" : "校验完成：未通过，请查看下面的问题。",
        report.final_ok ? "ok" : "blocked");
      $("h-results").setAttribute("tabindex", "-1");
      $("h-results").focus();
    } finally {
      button.disabled = false;
    }
  }

  function showReport(report) {
    const who = [report.org, report.year ? report.year + "年度" : ""].filter(Boolean).join(" ");
    const summary = $("summary");
    // The status line is the server's verdict (xlpy/verdict.py), the same words the CLI and Excel show.
    summary.textContent = (who ? who + "：" : "") + report.status_line;
    summary.className = "summary " + (report.final_ok ? "passed" : "blocked");

    const box = $("findings");
    box.replaceChildren();
    const groups = new Map();
    for (const f of report.findings || []) {
      const key = f.section || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(f);
    }
    const order = SECTIONS.map(([key]) => key).filter((key) => groups.has(key));
    for (const key of groups.keys()) if (!order.includes(key)) order.push(key);
    const titles = new Map(SECTIONS);
    for (const key of order) {
      const heading = el("h3", {}, titles.get(key) || key || "其他");
      const table = el("table", { class: "findings", "data-section": key });
      table.append(el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, "级别"), el("th", { scope: "col" }, "规则"),
        el("th", { scope: "col" }, "单元格"), el("th", { scope: "col" }, "问题"))));
      const body = el("tbody");
      for (const f of groups.get(key)) {
        const message = el("td", { class: "message" }, f.message);
        if (f.decision) message.append(decisionNote(f.decision));
        else if (f.explained) message.append(el("div", { class: "explained" }, "已说明：" + (f.explanation || "")));
        body.append(el("tr", { class: "finding sev-row-" + f.severity },
          el("td", { class: "sev sev-" + f.severity }, SEVERITY[f.severity] || f.severity),
          el("td", { class: "rule" }, f.rule),
          cellsCell(f.cells || []),
          message));
      }
      table.append(body);
      box.append(el("section", { class: "group" }, heading, table));
    }
    if (!order.length) box.append(el("p", { class: "status ok" }, "未发现问题。"));
    $("results").hidden = false;
    say("dl-status", "");
  }

  // A supervisor's decision on a warning (from /workspace/api/check): who, when, the verdict and the note.
  function decisionNote(d) {
    const what = d.verdict === "驳回" ? "审核驳回（接受现状，不再阻止定稿）" : "审核确认（须修改）";
    const when = (d.decided_at || "").slice(0, 16).replace("T", " ");
    return el("div", { class: d.verdict === "驳回" ? "explained decision" : "decision", "data-verdict": d.verdict },
      what + "，" + d.decided_by + "，" + when + (d.note ? "：" + d.note : ""));
  }

  function cellsCell(cells) {
    const td = el("td", { class: "cells" });
    if (!cells.length) { td.append("—"); return td; }
    const first = cells.slice(0, MAX_CELLS_SHOWN);
    td.append(el("span", {}, first.join("、")));
    if (cells.length > first.length) {
      const more = el("details", {}, el("summary", {}, "共 " + cells.length + " 处"),
        el("span", {}, cells.slice(first.length).join("、")));
      td.append(more);
    }
    return td;
  }

  async function download(event) {
    const button = event.currentTarget;
    if (!$("file").files[0]) { say("dl-status", "请先选择并校验工作簿。", "error"); return; }
    const kind = button.dataset.kind;
    const extra = kind === "render" ? { format: button.dataset.format, draft: $("draft").checked ? "true" : "false" } : {};
    button.disabled = true;
    say("dl-status", "正在生成……");
    try {
      const url = kind === "annotate" && workspaceToken() ? "/workspace/api/annotate" : "/api/" + kind;
      const response = await call(url, { method: "POST", body: formData(extra) }, "dl-status");
      if (!response) return;
      const fallback = { annotate: "校验结果.xlsx", "fill-zeros": "空白填0.xlsx" }[kind] || "报告." + extra.format;
      const filled = response.headers.get("X-Xlpy-Filled");
      const name = await save(response, fallback);
      const note = filled === null ? "" : filled === "0" ? "（没有空白的数字单元格，内容未变）" : "（" + filled + " 个空白单元格填入 0，请核对后再校验）";
      say("dl-status", "已下载：" + name + note, "ok");
    } finally {
      button.disabled = false;
    }
  }

  async function template(event) {
    event.preventDefault();
    const year = $("year").value;
    const org = $("org").value.trim();
    const macros = $("macros").checked; // the .xlsm whose buttons call this server
    const url = (macros ? "/macro-workbook/" : "/api/template/") + encodeURIComponent(year) +
      (org ? "?org=" + encodeURIComponent(org) : "");
    $("template-btn").disabled = true;
    say("template-status", "正在生成……");
    try {
      const response = await call(url, { method: "GET" }, "template-status");
      if (!response) return;
      const name = await save(response, year + "年度年报工作簿." + (macros ? "xlsm" : "xlsx"));
      say("template-status", "已下载：" + name, "ok");
    } finally {
      $("template-btn").disabled = false;
    }
  }

  function dropZone(zoneId, inputId) {
    const zone = $(zoneId);
    const input = $(inputId);
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        input.dispatchEvent(new Event("change"));
      }
    });
  }

  function init() {
    const select = $("year");
    const now = new Date().getFullYear();
    for (let y = now; y >= 2019; y--) select.append(el("option", { value: String(y) }, y + " 年度"));
    select.value = String(now - 1);  // reports are written early in the following year
    $("upload-form").addEventListener("submit", validate);
    $("template-form").addEventListener("submit", template);
    for (const button of $("downloads").querySelectorAll("button")) button.addEventListener("click", download);
    $("clear-btn").addEventListener("click", () => {
      $("upload-form").reset();
      $("results").hidden = true;
      say("status", "");
    });
    $("file").addEventListener("change", () => { $("results").hidden = true; say("status", ""); });
    // Stop a file dropped outside the boxes from replacing the page.
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => e.preventDefault());
    dropZone("drop", "file");
    dropZone("drop-last", "last-year");
    addinNotice();
  }

  // Excel loads add-ins over HTTPS only. The manifest's own addresses tell (behind a proxy the page may
  // be HTTPS while the manifest, without XLPY_PUBLIC_URL, still says http://).
  async function addinNotice() {
    let text;
    try {
      const response = await fetch("/addin/manifest.xml", { cache: "no-store" });
      if (!response.ok) return;  // no add-in on this server
      text = await response.text();
    } catch (e) { return; }
    $("addin").hidden = false;
    const found = /<SourceLocation\s+DefaultValue="([^"]+)"/.exec(text);
    const source = found ? found[1] : "";
    if (source.startsWith("https://")) return;
    const notice = $("addin-https");
    notice.textContent = "本服务的加载项地址是 " + source.replace(/\/addin\/.*$/, "")
      + "（HTTP）：Excel 只从 HTTPS 地址加载加载项，用这份清单旁加载会失败。"
      + "请管理员为服务配置 HTTPS（见部署说明 docs/excel.md）后再下载清单。";
    notice.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", init);
})();
