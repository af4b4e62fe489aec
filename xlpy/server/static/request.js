// The pages' one way of calling the xlpy server and showing its answer: the upload page (app.js) and the
// workspace (workspace.js) load this file first. A failed call becomes the one JSON error shape
// ({error, errors}, the message in Chinese) whatever failed — the network, a proxy's HTML page, the server
// — and is shown with textContent only, never innerHTML: a message may quote a clerk's "<script>".
"use strict";

window.xlpyPage = (() => {
  const UNREACHABLE = "无法连接服务器，请检查网络后重试。";
  const DETAILS_SHOWN = 20; // a refusal may list every bad cell: the rest would push the page down

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function say(target, text, kind) {
    const box = document.getElementById(target);
    box.textContent = text;
    box.className = "status" + (kind ? " " + kind : "");
  }

  // The error's message, then its details that say more (with their cells, where it names them).
  function sayErrors(target, body) {
    const box = document.getElementById(target);
    box.replaceChildren(el("span", {}, body.error || "请求失败"));
    box.className = "status error";
    const details = (body.errors || []).filter((e) => e && e.message && e.message !== body.error);
    if (details.length) {
      const list = el("ul", { class: "errors" });
      for (const item of details.slice(0, DETAILS_SHOWN)) {
        const where = item.cells && item.cells.length ? "（" + item.cells.join("、") + "）" : "";
        list.append(el("li", {}, item.message + where));
      }
      box.append(list);
    }
  }

  // The JSON error shape of a failed response; a body that is not ours (a proxy's page) gets a status line.
  async function errorBody(response) {
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") return body;
    } catch (e) { /* not our JSON: a proxy page */ }
    return { error: "服务器返回了错误（" + response.status + "），请稍后再试或联系管理员。", errors: [] };
  }

  function failure(status, body) {
    const error = new Error(body.error);
    error.status = status; // 0: the server was not reached
    error.body = body;
    return error;
  }

  // fetch, resolving with the response when it is ok; otherwise throwing an Error whose `body` is the
  // JSON error shape and `status` the HTTP status (0 when the server could not be reached).
  async function request(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ cache: "no-store" }, options));
    } catch (e) {
      throw failure(0, { error: UNREACHABLE, errors: [] });
    }
    if (!response.ok) throw failure(response.status, await errorBody(response));
    return response;
  }

  function filenameFrom(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) {
      try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ }
    }
    const plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  // Save a download response as the file the server named (else `fallback`); resolves with its name.
  async function save(response, fallback) {
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: filenameFrom(response, fallback) });
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return link.getAttribute("download");
  }

  return Object.freeze({ el, say, sayErrors, request, save });
})();
