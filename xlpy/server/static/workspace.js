// Workspace page logic. Every string from a workbook, the registry or the server is inserted with
// textContent, never innerHTML. The token lives only in this page's memory (no cookies, no storage).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  // Calling the server, showing its errors, saving downloads: request.js, shared with the upload page.
  const { el, say, sayErrors, request, save } = window.xlpyPage;
  const SEVERITY = { error: "错误", warning: "警告", hint: "提示" };
  let token = "";
  let me = null;
  let board = null;
  let ORG_TYPES = [];

  // The JSON answer (or a blob) of /workspace/api + path; a failure throws with its `body` in the one
  // JSON error shape (request.js), which the callers show with sayErrors.
  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Authorization: "Bearer " + token }, opts.headers);
    const response = await request("/workspace/api" + path, opts);
    const type = response.headers.get("content-type") || "";
    return type.startsWith("application/json") ? response.json() : response.blob();
  }

  async function download(path, fallback, target) {
    try {
      await save(await request("/workspace/api" + path, { headers: { Authorization: "Bearer " + token } }), fallback);
    } catch (exc) {
      if (exc.body) sayErrors(target, exc.body);
      else say(target, "下载失败：" + exc.message, "error");
    }
  }

  function year() {
    return Number($("year").value);
  }

  // ------------------------------------------------------------------ login

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    token = $("ws-token").value.trim();
    if (!token) {
      say("login-status", "请输入工作台令牌", "error");
      return;
    }
    try {
      me = await api("/me");
    } catch (exc) {
      sayErrors("login-status", exc.body || { error: exc.message });
      return;
    }
    $("login").hidden = true;
    $("who").hidden = false;
    $("upload").hidden = false;
    const role = me.role === "supervisor" ? "审核人" : "填报人";
    $("who-text").textContent = role + "：" + me.label + "（" + me.agency.name + "）  ";
    const years = new Set(me.years);
    const thisYear = new Date().getFullYear();
    years.add(thisYear - 1);
    $("year").replaceChildren(...[...years].sort((a, b) => b - a).map((y) => el("option", { value: y }, y + " 年度")));
    $("year").value = String(me.years.length ? me.years[0] : thisYear - 1);
    $("agency-pick").hidden = me.role !== "supervisor";
    $("exports").hidden = me.role !== "supervisor";
    ORG_TYPES = me.org_types || [];
    await showDashboard();
  });

  $("year").addEventListener("change", () => showDashboard());
  $("to-dashboard").addEventListener("click", () => showDashboard());

  // ------------------------------------------------------------------ dashboard

  async function showDashboard() {
    $("agency").hidden = true;
    try {
      board = await api("/dashboard?year=" + year() + ($("f-indicators").checked ? "&indicators=true" : ""));
    } catch (exc) {
      sayErrors("dash-status", exc.body || { error: exc.message });
      return;
    }
    if (me.role === "clerk") {
      await showAgency(me.agency.id);
      return;
    }
    $("dashboard").hidden = false;
    const p = board.progress;
    $("progress-bar").style.width = p.percent + "%";
    $("progress-text").textContent = "已通过（含已发布）" + p.done + " / " + p.total + " 个机构，" + p.percent + "%";
    const counts = $("status-counts");
    counts.replaceChildren();
    for (const [id, label] of Object.entries(board.statuses)) {
      const button = el("button", { type: "button", class: "secondary", "data-status": id }, label + " " + board.counts[id]);
      button.addEventListener("click", () => {
        $("f-status").value = id;
        renderRows();
      });
      counts.append(button);
    }
    fillSelect("f-status", Object.entries(board.statuses));
    const types = [...new Set(board.agencies.map((a) => a.org_type))].sort();
    fillSelect("f-type", types.map((t) => [t, t]));
    $("ws-agency").replaceChildren(...board.agencies.map((a) => el("option", { value: a.id }, a.name + "（" + a.id + "）")));
    renderRows();
    showHierarchy();  // not awaited: the roll-up behind it must not hold up the status table
  }

  // H-1/H-2/H-3 of the region's roll-up (wording from the rule register), the first 50 listed.
  async function showHierarchy() {
    let body;
    try {
      body = await api("/hierarchy?year=" + year());
    } catch (exc) {
      $("hierarchy").hidden = true;
      return;
    }
    const parts = Object.entries(body.counts).map(([rule, n]) => rule + " " + n + " 条");
    $("hierarchy-summary").textContent = "层级检查：" + (parts.length ? parts.join("，") : "没有问题");
    $("hierarchy-list").replaceChildren(
      ...body.findings.slice(0, 50).map((f) =>
        el("li", { class: f.severity, "data-rule": f.rule }, el("b", {}, f.rule + " " + (SEVERITY[f.severity] || "")), " ", f.message)
      )
    );
    $("hierarchy").hidden = false;
  }

  function fillSelect(id, pairs) {
    const select = $(id);
    const keep = select.value;
    select.replaceChildren(el("option", { value: "" }, "全部"), ...pairs.map(([v, t]) => el("option", { value: v }, t)));
    select.value = keep;
  }

  const BASE_HEAD = ["机构", "机关类型", "状态", "最后提交", "错误", "待说明", "发布期限", "剩余天数"];
  const LEVEL = { green: "正常", yellow: "关注", red: "预警", small_sample: "样本不足" };

  function indicatorCell(ind) {
    if (!ind || ind.value === null || ind.value === undefined) return el("td", {}, "—");
    const text = (100 * ind.value).toFixed(1) + "%" + (ind.rank ? "（" + ind.rank + "/" + ind.of + "）" : "");
    return el("td", { class: "lv-" + ind.level, title: LEVEL[ind.level] || "" }, ind.level === "small_sample" ? LEVEL.small_sample : text);
  }

  function renderRows() {
    const shown = $("f-indicators").checked ? board.indicator_specs : [];
    $("agencies-head").replaceChildren(...BASE_HEAD.map((h) => el("th", {}, h)), ...shown.map((s) => el("th", { title: s.description }, s.label)));
    const wanted = $("f-status").value;
    const type = $("f-type").value;
    const text = $("f-search").value.trim();
    const body = $("agencies").tBodies[0];
    body.replaceChildren();
    for (const a of board.agencies) {
      if ((wanted && a.status !== wanted) || (type && a.org_type !== type)) continue;
      if (text && !a.name.includes(text) && !a.id.includes(text)) continue;
      const link = el("a", { class: "agency-link", href: "#agency=" + encodeURIComponent(a.id), "data-agency": a.id }, a.name);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        showAgency(a.id);
      });
      const overdue = a.days_left !== null && a.days_left < 0 && a.status !== "published";
      body.append(
        el(
          "tr",
          { "data-agency": a.id },
          el("td", {}, link),
          el("td", {}, a.org_type),
          el("td", { class: "st-" + a.status }, a.status_label),
          el("td", {}, a.submitted_at ? a.submitted_at.slice(0, 16).replace("T", " ") : "—"),
          el("td", {}, a.submission_id ? a.errors : "—"),
          el("td", {}, a.submission_id ? a.warnings : "—"),
          el("td", {}, a.deadline || "—"),
          el("td", overdue ? { class: "overdue" } : {}, a.days_left === null ? "—" : a.days_left),
          ...shown.map((spec) => indicatorCell(a.indicators[spec.id])),
        ),
      );
    }
  }

  for (const id of ["f-status", "f-type"]) $(id).addEventListener("change", renderRows);
  $("f-indicators").addEventListener("change", () => showDashboard());
  $("f-search").addEventListener("input", renderRows);
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () =>
      download("/export?year=" + year() + "&format=" + button.dataset.export, "汇总." + button.dataset.export, "dash-status"),
    );
  }
  $("rollup-json").addEventListener("click", () => download("/rollup?year=" + year(), "汇总.json", "dash-status"));
  $("rollup-xlsx").addEventListener("click", () => download("/rollup?year=" + year() + "&format=xlsx", "汇总.xlsx", "dash-status"));

  // ------------------------------------------------------------------ one agency

  async function showAgency(id, submissionId) {
    $("dashboard").hidden = true;
    $("agency").hidden = false;
    let data;
    try {
      data = await api("/agencies/" + encodeURIComponent(id) + "?year=" + year());
    } catch (exc) {
      sayErrors("agency-status", exc.body || { error: exc.message });
      return;
    }
    say("agency-status", "");
    $("h-agency").textContent = data.agency.name;
    $("agency-meta").textContent =
      "机构编号 " + data.agency.id + " · " + data.agency.org_type + (data.agency.contact ? " · 联系方式 " + data.agency.contact : "");
    const edit = $("agency-edit");
    edit.hidden = me.role !== "supervisor";
    edit.dataset.agency = data.agency.id;
    $("e-type").replaceChildren(...ORG_TYPES.map((t) => el("option", { value: t }, t)));
    $("e-type").value = data.agency.org_type;
    $("e-contact").value = data.agency.contact || "";
    const body = $("versions").tBodies[0];
    body.replaceChildren();
    data.submissions.forEach((s, i) => {
      const n = data.submissions.length - i;
      const show = el("a", { class: "agency-link", href: "#submission=" + s.id, "data-submission": s.id }, "第 " + n + " 版" + (i === 0 ? "（当前）" : ""));
      show.addEventListener("click", (event) => {
        event.preventDefault();
        showSubmission(s.id);
      });
      const original = el("button", { type: "button", class: "secondary" }, "原文件");
      original.addEventListener("click", () => download("/submissions/" + s.id + "/file", s.filename, "agency-status"));
      const annotated = el("button", { type: "button", class: "secondary" }, "带标记副本");
      annotated.addEventListener("click", () => download("/submissions/" + s.id + "/annotated", "校验结果.xlsx", "agency-status"));
      body.append(
        el("tr", i === 0 ? { class: "current" } : {}, el("td", {}, show), el("td", {}, s.submitted_at.slice(0, 19).replace("T", " ")),
          el("td", {}, s.submitted_by), el("td", {}, s.filename), el("td", {}, s.errors), el("td", {}, s.warnings),
          el("td", {}, original, " ", annotated)),
      );
    });
    if (data.submissions.length) {
      await showSubmission(submissionId || data.submissions[0].id);
    } else {
      $("sub-summary").textContent = year() + " 年度尚未提交。";
      $("sub-findings").replaceChildren();
      $("sub-diff").replaceChildren();
    }
  }

  async function showSubmission(id) {
    let sub;
    try {
      sub = await api("/submissions/" + id);
    } catch (exc) {
      sayErrors("agency-status", exc.body || { error: exc.message });
      return;
    }
    const s = sub.report.summary;
    $("sub-summary").textContent =
      "版本 " + sub.id + "：" + s.errors + " 个错误，" + s.warnings + " 个未说明的警告，" + s.explained + " 个已说明，" + s.hints + " 个提示";
    $("sub-summary").className = "summary " + (sub.report.final_ok ? "passed" : "blocked");
    const table = el("table", { id: "findings-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "级别"), el("th", {}, "规则"), el("th", {}, "位置"), el("th", {}, "说明"), el("th", {}, "审核"))));
    const tbody = el("tbody");
    for (const f of sub.report.findings) {
      const location = (f.cells && f.cells[0]) || "-";
      const key = f.rule + "|" + location;
      const decided = sub.decisions[key];
      const cell = el("td", { class: "review" });
      if (decided) {
        cell.append(el("div", { class: "decision", "data-verdict": decided.verdict },
          decided.verdict + "（" + decided.decided_by + "，" + decided.decided_at.slice(0, 16).replace("T", " ") + "）" + (decided.note ? "：" + decided.note : "")));
      }
      if (me.role === "supervisor" && f.severity === "warning" && !f.explained) cell.append(decisionForm(sub.id, f.rule, location));
      if (f.explained) cell.append(el("div", { class: "explained" }, "已说明：" + (f.explanation || "")));
      tbody.append(el("tr", { "data-rule": f.rule }, el("td", { class: "sev sev-" + f.severity }, SEVERITY[f.severity] || f.severity),
        el("td", { class: "rule" }, f.rule), el("td", { class: "cells" }, location), el("td", {}, f.message), cell));
    }
    table.append(tbody);
    $("sub-findings").replaceChildren(sub.report.findings.length ? table : el("p", {}, "没有发现问题。"));
    const diff = $("sub-diff");
    if (!sub.diff) diff.replaceChildren(el("p", { class: "help" }, "这是本年度的第一版。"));
    else if (!sub.diff.changes.length) diff.replaceChildren(el("p", { class: "help" }, "表二、表三、表四的数字与上一版本相同。"));
    else {
      const rows = sub.diff.changes.map((c) => el("tr", {}, el("td", {}, c.label), el("td", {}, c.old === null ? "（空）" : c.old), el("td", {}, c.new === null ? "（空）" : c.new)));
      diff.replaceChildren(el("table", { id: "diff-table" }, el("thead", {}, el("tr", {}, el("th", {}, "项目"), el("th", {}, "上一版本"), el("th", {}, "本版本"))), el("tbody", {}, ...rows)));
    }
  }

  function decisionForm(submissionId, rule, location) {
    const note = el("textarea", { "aria-label": "审核意见", placeholder: "审核意见（可选）" });
    const confirm = el("button", { type: "button", "data-verdict": "确认" }, "确认（须修改）");
    const accept = el("button", { type: "button", class: "secondary", "data-verdict": "驳回" }, "驳回（接受）");
    for (const button of [confirm, accept]) {
      button.addEventListener("click", async () => {
        try {
          await api("/decisions", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ submission_id: submissionId, rule, location, verdict: button.dataset.verdict, note: note.value }),
          });
          say("agency-status", "已记录审核决定：" + rule + " " + button.dataset.verdict, "ok");
          await showSubmission(submissionId);
        } catch (exc) {
          sayErrors("agency-status", exc.body || { error: exc.message });
        }
      });
    }
    return el("div", { class: "decision" }, note, confirm, " ", accept);
  }

  $("agency-edit").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = $("agency-edit").dataset.agency;
    try {
      const result = await api("/agencies/" + encodeURIComponent(id), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ org_type: $("e-type").value, contact: $("e-contact").value }),
      });
      say("agency-status", "已保存名录信息：" + result.agency.name, "ok");
      $("agency-meta").textContent =
        "机构编号 " + result.agency.id + " · " + result.agency.org_type + (result.agency.contact ? " · 联系方式 " + result.agency.contact : "");
    } catch (exc) {
      sayErrors("agency-status", exc.body || { error: exc.message });
    }
  });

  // ------------------------------------------------------------------ upload

  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("ws-file").files[0];
    if (!file) {
      say("upload-status", "请先选择工作簿文件", "error");
      return;
    }
    const data = new FormData();
    data.append("file", file);
    if (me.role === "supervisor" && $("ws-agency").value) data.append("agency_id", $("ws-agency").value);
    $("submit-btn").disabled = true;
    say("upload-status", "正在校验并保存……");
    try {
      const result = await api("/submissions", { method: "POST", body: data });
      const s = result.report.summary;
      const y = String(result.submission.year);
      if (![...$("year").options].some((o) => o.value === y)) $("year").append(el("option", { value: y }, y + " 年度"));
      $("year").value = y;
      say("upload-status", "已保存（版本 " + result.submission.id + "）：" + s.errors + " 个错误，" + s.warnings + " 个未说明的警告", "ok");
      await showAgency(result.submission.agency_id, result.submission.id);
    } catch (exc) {
      sayErrors("upload-status", exc.body || { error: exc.message });
    } finally {
      $("submit-btn").disabled = false;
    }
  });
})();
