// citeproof web page: send the answer to POST /verify, mark each citation by verdict using its
// start/end offsets, show the evidence for the one hovered or selected, and build corrected BibTeX.
// Plain DOM code with no build step and nothing loaded from elsewhere. Text from the report is only
// ever set with textContent, never parsed as HTML: the answer and the records are untrusted input.
"use strict";

const $ = (id) => document.getElementById(id);
const BIBTEX_KEY = /^[^\s,{}()"#%'=\\~]{1,100}$/; // the keys GET /records/{id}?key= accepts
let current = null; // the last Report shown

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

function oneLine(s, n = 240) {
  s = s.replace(/\s+/g, " ").trim();
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

// A work not in this index where the index covers nothing (`out_of_coverage`) is unverifiable, and
// shown apart from fabricated: its own class (grey), and the words the CLI uses.
const NOT_IN_INDEX = "not in this index";
const kindOf = (c) => (c.out_of_coverage ? "not-in-index" : c.status);
const labelOf = (c) => (c.out_of_coverage ? NOT_IN_INDEX : c.status);
// Which live source settled the verdict, in words; "" when the local index did (or an older server).
const settledBy = (c) => (c.settled_by && c.settled_by !== "index" ? "settled online by " + c.settled_by : "");

function setStatus(node, msg, isError = false) {
  node.textContent = msg;
  node.classList.toggle("error", isError);
}

// Links to where a work can be read: DOI resolver, arXiv, or the record's own http(s) URL.
function workLinks(record) {
  const links = [];
  if (record.doi) links.push(["doi:" + record.doi, "https://doi.org/" + record.doi]);
  if (record.arxiv_id) links.push(["arXiv:" + record.arxiv_id, "https://arxiv.org/abs/" + record.arxiv_id]);
  if (record.url && /^https?:\/\//i.test(record.url) && !links.some(([, u]) => u === record.url)) {
    links.push([new URL(record.url).hostname, record.url]);
  }
  return el("div", { class: "links" },
    ...links.map(([label, href]) => el("a", { href, target: "_blank", rel: "noopener noreferrer", text: label })));
}

function workNode(record, score) {
  const names = record.authors.slice(0, 6).map((a) => (a.given ? a.given + " " : "") + a.family).join(", ")
    + (record.authors.length > 6 ? " et al." : "");
  const meta = [names, record.venue, record.year].filter(Boolean).join(" · ");
  return el("div", { class: "work" },
    el("div", { class: "title", text: record.title }),
    el("div", { class: "meta", text: meta }),
    score == null ? null : el("span", { class: "score", text: "similarity " + score.toFixed(2) }),
    workLinks(record));
}

function detailsNode(c, i) {
  const box = el("div", { class: "details", "data-index": String(i) });
  const settled = settledBy(c);
  box.append(el("h3", {}, el("span", { class: "chip " + kindOf(c), text: labelOf(c) }),
    el("span", { class: "muted", text: `citation ${i + 1} · confidence ${c.confidence.toFixed(2)}`
      + (settled ? " · " + settled : "") })));
  box.append(el("div", { class: "raw", text: c.raw }));
  if (c.reasons.length) box.append(el("h4", { text: "Why" }), el("ul", {}, ...c.reasons.map((r) => el("li", { text: r }))));
  const wrong = c.fields.filter((f) => !f.agrees);
  if (wrong.length) {
    box.append(el("h4", { text: "Fields that disagree" }), el("table", { class: "fields" },
      el("tr", {}, el("th", { text: "field" }), el("th", { text: "cited" }), el("th", { text: "real" })),
      ...wrong.map((f) => el("tr", {}, el("td", { text: f.field }),
        el("td", { class: "cited", text: f.cited ?? "—" }), el("td", { class: "found", text: f.found ?? "—" })))));
  }
  if (c.record) {
    box.append(el("h4", { text: c.status === "verified" ? "Matched record" : "The real work" }), workNode(c.record));
  }
  if (c.suggestions.length && (c.status === "fabricated" || c.status === "unverifiable")) {
    box.append(el("h4", { text: "Closest real works (suggestions, not the answer)" }),
      el("div", { class: "suggestions" }, ...c.suggestions.slice(0, 5).map((s) => workNode(s.record, s.score))));
  }
  return box;
}

function select(i) {
  if (!current || i < 0 || i >= current.citations.length) return;
  document.querySelectorAll("mark.cite").forEach((m) => m.classList.toggle("selected", Number(m.dataset.index) === i));
  $("panel").replaceChildren(detailsNode(current.citations[i], i));
}

// Offsets from the server count Unicode code points; JS strings count UTF-16 units, so slice an
// array of code points (an emoji before a citation would otherwise shift every mark after it).
function renderHighlighted(report) {
  const cps = Array.from(report.text);
  const out = $("highlighted");
  out.replaceChildren();
  let pos = 0;
  report.citations.forEach((c, i) => {
    if (c.start < pos) return; // spans are disjoint; guard against overlap anyway
    out.append(cps.slice(pos, c.start).join(""));
    const mark = el("mark", { class: "cite " + kindOf(c), tabindex: "0", "data-index": String(i),
      title: labelOf(c) + " — hover or select for the evidence", text: cps.slice(c.start, c.end).join("") });
    for (const ev of ["mouseenter", "focus", "click"]) mark.addEventListener(ev, () => select(i));
    out.append(mark);
    pos = c.end;
  });
  out.append(cps.slice(pos).join(""));
}

function renderSummary(report) {
  const s = report.summary;
  const notInIndex = s.not_in_index || 0; // counted among unverifiable, shown apart
  const counts = [["verified", "verified", s.verified], ["mismatch", "mismatch", s.mismatch],
    ["fabricated", "fabricated", s.fabricated], ["unverifiable", "unverifiable", s.unverifiable - notInIndex],
    ["not-in-index", NOT_IN_INDEX, notInIndex]];
  const chips = counts.filter(([, , n]) => n).map(([k, words, n]) => el("span", { class: "chip " + k, text: `${n} ${words}` }));
  $("summary").replaceChildren(el("strong", { text: `${s.total} citation${s.total === 1 ? "" : "s"}` }), ...chips,
    el("span", { class: "muted", text: `${Math.round(1000 * (report.timings.total_s || 0))} ms` }));
}

function render(report) {
  current = report;
  $("result").hidden = false;
  $("bibtex-out").hidden = true;
  setStatus($("copy-status"), "");
  renderSummary(report);
  renderHighlighted(report);
  $("copy-bibtex").disabled = !report.citations.length;
  const firstFlagged = report.citations.findIndex((c) => c.status === "mismatch" || c.status === "fabricated");
  if (report.citations.length) select(firstFlagged >= 0 ? firstFlagged : 0);
  else $("panel").replaceChildren(el("p", { class: "muted", text: "No citations found in this text." }));
}

async function errorDetail(resp) {
  try {
    const body = await resp.json();
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
  } catch (_) { /* not JSON */ }
  return `${resp.status} ${resp.statusText}`;
}

async function verify() {
  const text = $("answer").value;
  if (!text.trim()) { setStatus($("status"), "Paste an answer first.", true); return; }
  $("verify").disabled = true;
  setStatus($("status"), "Checking…");
  try {
    const resp = await fetch("/verify", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text }) });
    if (!resp.ok) { setStatus($("status"), await errorDetail(resp), true); return; }
    render(await resp.json());
    setStatus($("status"), "");
  } catch (e) {
    setStatus($("status"), "The service did not answer: " + e.message, true);
  } finally {
    $("verify").disabled = false;
  }
}

// Verified and mismatched citations become the real record's entry (under the citing key when the
// input was BibTeX); fabricated and unverifiable ones become comments, never a guessed entry.
async function correctedBibtex(report) {
  const parts = await Promise.all(report.citations.map(async (c) => {
    if (c.record && (c.status === "verified" || c.status === "mismatch")) {
      const q = new URLSearchParams({ format: "bibtex" });
      if (c.key && BIBTEX_KEY.test(c.key)) q.set("key", c.key);
      const resp = await fetch(`/records/${encodeURIComponent(c.record.id)}?${q}`);
      if (!resp.ok) throw new Error(await errorDetail(resp));
      const wrong = c.fields.filter((f) => !f.agrees).map((f) => f.field);
      const note = c.status === "mismatch" ? `% corrected ${wrong.join(", ") || "fields"}: ${oneLine(c.raw, 160)}\n` : "";
      return note + (await resp.text());
    }
    return `% ${labelOf(c)}, left out: ${oneLine(c.raw, 160)}\n` + c.reasons.map((r) => `%   ${oneLine(r, 160)}\n`).join("");
  }));
  return parts.join("\n");
}

async function copyBibtex() {
  if (!current) return;
  const out = $("bibtex-out");
  $("copy-bibtex").disabled = true;
  try {
    out.value = await correctedBibtex(current);
    out.hidden = false;
    try {
      await navigator.clipboard.writeText(out.value);
      setStatus($("copy-status"), "Copied to the clipboard.");
    } catch (_) { // no clipboard access (plain http on another host, or denied): select it instead
      out.focus();
      out.select();
      setStatus($("copy-status"), "Selected below: press Ctrl+C to copy.");
    }
  } catch (e) {
    setStatus($("copy-status"), "Could not build the BibTeX: " + e.message, true);
  } finally {
    $("copy-bibtex").disabled = false;
  }
}

async function showIndex() {
  try {
    const resp = await fetch("/healthz");
    if (!resp.ok) return;
    const h = await resp.json();
    $("index-info").textContent = `a local index of ${h.records.toLocaleString("en")} real records`;
  } catch (_) { /* the page still works without this line */ }
}

document.addEventListener("DOMContentLoaded", () => {
  $("verify").addEventListener("click", verify);
  $("copy-bibtex").addEventListener("click", copyBibtex);
  $("answer").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); verify(); }
  });
  showIndex();
});
