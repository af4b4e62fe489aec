// Offline API documentation: renders /openapi.json with textContent only (no CDN, no innerHTML).
"use strict";

(function () {
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  function resolve(spec, schema) {
    while (schema && schema.$ref) {
      schema = schema.$ref.replace(/^#\//, "").split("/").reduce((node, key) => node && node[key], spec);
    }
    return schema || {};
  }

  function typeOf(spec, schema) {
    schema = resolve(spec, schema);
    if (schema.anyOf) return schema.anyOf.map((s) => typeOf(spec, s)).join(" | ");
    if (schema.enum) return schema.enum.map(String).join(" | ");
    if (schema.format === "binary" || schema.contentMediaType) return "文件";
    return schema.type || "";
  }

  function paramsTable(spec, rows) {
    const table = el("table");
    const head = el("tr");
    for (const h of ["参数", "位置", "类型", "必填", "说明"]) head.append(el("th", "", h));
    table.append(head);
    for (const r of rows) {
      const tr = el("tr");
      for (const c of [r.name, r.where, r.type, r.required ? "是" : "否", r.description || ""]) tr.append(el("td", "", c));
      table.append(tr);
    }
    return table;
  }

  function operation(spec, path, method, op) {
    const card = el("section", "card");
    card.append(el("h2", "", method.toUpperCase() + " " + path));
    if (op.summary) card.append(el("p", "summary", op.summary));
    if (op.description) card.append(el("p", "", op.description));
    const rows = (op.parameters || []).map((p) => ({
      name: p.name, where: p.in, type: typeOf(spec, p.schema), required: p.required, description: p.description,
    }));
    const body = op.requestBody && op.requestBody.content;
    if (body) {
      for (const [media, content] of Object.entries(body)) {
        const schema = resolve(spec, content.schema);
        const required = new Set(schema.required || []);
        for (const [name, prop] of Object.entries(schema.properties || {})) {
          const resolved = resolve(spec, prop);
          rows.push({ name, where: media, type: typeOf(spec, prop), required: required.has(name),
                      description: resolved.description || prop.description });
        }
      }
    }
    if (rows.length) card.append(paramsTable(spec, rows));
    const responses = el("ul");
    for (const [code, res] of Object.entries(op.responses || {})) {
      responses.append(el("li", "", code + "：" + (res.description || "")));
    }
    card.append(el("h3", "", "响应"), responses);
    return card;
  }

  async function init() {
    const spec = await (await fetch("/openapi.json")).json();
    const intro = document.getElementById("intro");
    intro.append(el("h2", "", spec.info.title + " " + spec.info.version));
    for (const para of (spec.info.description || "").split("\n\n")) intro.append(el("p", "", para));
    const box = document.getElementById("endpoints");
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) box.append(operation(spec, path, method, op));
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
