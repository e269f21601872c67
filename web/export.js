// "Mes donnees": a copy of the whole space (POST /me/exports, made in the background: its status is
// asked again now and then, politely, while the page is open), and the summary to show a doctor
// abroad (GET /me/summary as a FHIR file, GET /me/summary/pdf to print).
import { api, safeUrl } from "./api.js";
import { currentLanguage, fmtDateTime, fmtSize, t } from "./i18n.js";
import { h, isBusy, loadFailed, notify, setBusy } from "./ui.js";

// The status is asked again after these waits (seconds), the last one repeated: a copy takes
// from seconds to minutes; nobody's browser asks every second for a quarter of an hour.
const WAITS = [3, 5, 10, 20, 30];
const GIVE_UP_MS = 20 * 60 * 1000; // past the build's own limit (16 minutes) it has failed
const RUNNING = new Set(["PENDING", "RUNNING"]);

/** The way to this page, for the settings page (or any other) to offer. */
export const exportLink = () => h("a", { href: "#/mes-donnees" }, t("export.link"));

export async function exportView(view) {
  const copy = h("section", { class: "card", "aria-labelledby": "export-copy-title" });
  const summary = h("section", { class: "card", "aria-labelledby": "export-summary-title" });
  view.append(h("h1", { tabindex: -1 }, t("export.title")), h("p", { class: "lead" }, t("export.lead")), copy, summary);
  drawSummary();
  let timer = null;
  let waited = 0;
  const started = Date.now();
  await load();

  async function load() {
    copy.replaceChildren(h("h2", { id: "export-copy-title" }, t("export.copy.title")), h("p", { role: "status" }, t("export.copy.loading")));
    try {
      const { items } = await api("/me/exports?limit=1");
      drawCopy(items[0] ?? null);
    } catch (err) {
      if (err.status === 401) return;
      copy.replaceChildren(h("h2", { id: "export-copy-title" }, t("export.copy.title")), loadFailed(err, load));
    }
  }

  function drawCopy(latest) {
    const status = h("div", { role: "status", class: "export-status" }, latest ? statusText(latest) : "");
    const ask = h("button", { type: "button", class: "btn" }, t(latest ? "export.copy.again" : "export.copy.ask"));
    ask.addEventListener("click", () => request(ask));
    const running = latest && RUNNING.has(latest.status);
    const ready = latest?.status === "READY";
    const actions = [];
    if (ready) actions.push(h("button", { type: "button", class: "btn", onclick: () => download(latest) }, t("export.copy.download")));
    if (!running) {
      ask.className = ready ? "btn secondary" : "btn";
      actions.push(ask);
    }
    copy.replaceChildren(...[
      h("h2", { id: "export-copy-title" }, t("export.copy.title")),
      h("p", {}, t("export.copy.what")),
      h("ul", {}, ["bundle", "documents", "index"].map((part) => h("li", {}, t(`export.copy.parts.${part}`)))),
      h("p", {}, t("export.copy.time")),
      status,
      actions.length > 0 && h("div", { class: "actions" }, actions),
    ].filter(Boolean));
    if (running) poll(latest.export_id);
  }

  function statusText(e) {
    if (e.status === "READY") {
      return t("export.copy.ready", { date: fmtDateTime(e.finished_at), size: fmtSize(e.size ?? 0) });
    }
    return t(`export.copy.status.${e.status}`, { date: fmtDateTime(e.requested_at) });
  }

  async function request(button) {
    if (isBusy(button)) return;
    setBusy(button, true);
    try {
      const asked = await api(`/me/exports?language=${currentLanguage()}`, { method: "POST" });
      notify(t("export.copy.asked"), "success");
      waited = 0;
      drawCopy(asked);
    } catch (err) {
      if (err.code === "EXPORT_RUNNING") {
        notify(t("export.copy.alreadyRunning"), "info");
        await load();
      } else {
        notify(err.message, "error");
      }
    } finally {
      setBusy(button, false);
    }
  }

  function poll(id) {
    clearTimeout(timer);
    if (!view.isConnected || Date.now() - started > GIVE_UP_MS) return;
    const seconds = WAITS[Math.min(waited, WAITS.length - 1)];
    waited += 1;
    timer = setTimeout(async () => {
      if (!view.isConnected) return; // another page is shown: ask no more
      try {
        const found = await api(`/me/exports/${encodeURIComponent(id)}`);
        if (!view.isConnected) return;
        if (RUNNING.has(found.status)) return poll(id);
        drawCopy(found);
        if (found.status === "READY") notify(t("export.copy.readyNow"), "success");
      } catch (err) {
        if (err.status !== 401 && view.isConnected) poll(id); // a passing failure: ask again later
      }
    }, seconds * 1000);
  }

  async function download(e) {
    try {
      const found = await api(`/me/exports/${encodeURIComponent(e.export_id)}`);
      if (found.status !== "READY" || !found.url) return drawCopy(found);
      follow(found.url);
      notify(t("export.copy.downloadStarted"), "success");
    } catch (err) {
      notify(err.message, "error");
    }
  }

  function drawSummary() {
    const pdf = h("button", { type: "button", class: "btn", onclick: printable }, t("export.summary.pdf"));
    const json = h("button", { type: "button", class: "btn secondary", onclick: fhir }, t("export.summary.json"));
    summary.replaceChildren(
      h("h2", { id: "export-summary-title" }, t("export.summary.title")),
      h("p", {}, t("export.summary.what")),
      h("p", { class: "hint" }, t("export.summary.sections")),
      h("div", { class: "actions" }, pdf, json));

    async function printable() {
      if (isBusy(pdf)) return;
      setBusy(pdf, true);
      try {
        const { url } = await api(`/me/summary/pdf?language=${currentLanguage()}`);
        follow(url);
        notify(t("export.summary.downloadStarted"), "success");
      } catch (err) {
        notify(err.message, "error");
      } finally {
        setBusy(pdf, false);
      }
    }

    async function fhir() {
      if (isBusy(json)) return;
      setBusy(json, true);
      try {
        const document = await api(`/me/summary?language=${currentLanguage()}`);
        const blob = new Blob([JSON.stringify(document, null, 2)], { type: "application/fhir+json" });
        const href = URL.createObjectURL(blob);
        follow(href, t("export.summary.filename"));
        setTimeout(() => URL.revokeObjectURL(href), 60 * 1000);
        notify(t("export.summary.downloadStarted"), "success");
      } catch (err) {
        notify(err.message, "error");
      } finally {
        setBusy(json, false);
      }
    }
  }
}

/** Follows a download link in this tab (its answer is an attachment: the page stays as it is). */
function follow(url, filename) {
  const href = url.startsWith("blob:") ? url : safeUrl(url);
  const link = h("a", { href, rel: "noopener noreferrer", hidden: true, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
}
