// "Mes documents": filters, paged list, upload with progress, view, download, rename, mask, delete.
import { api, query, safeUrl, session, uploadFile, ApiError } from "./api.js";
import { fmtDate, fmtSize, has, t, ts } from "./i18n.js";
import { h, srTitle, field, showErrors, formDialog, confirmDialog, notify, today, dismissError, isBusy, loadFailed, setBusy } from "./ui.js";
import { VIEWABLE, viewerDialog } from "./viewer.js";

export const CATEGORIES = ["summary", "prescriptions-care", "imaging", "biology", "reports", "screening", "certificates", "administrative", "other"];
/** A category's name; a code the site does not know yet shows as it is. */
export const categoryLabel = (code) => (has(`categories.${code}`) ? t(`categories.${code}`) : code);
const TYPES = {
  pdf: "application/pdf", txt: "text/plain", rtf: "application/rtf",
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", tif: "image/tiff", tiff: "image/tiff",
};
const MAX_BYTES = 20 * 1024 * 1024;
const PAGE = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const categorySelect = (name, empty) => h("select", { name },
  h("option", { value: "" }, empty), CATEGORIES.map((code) => h("option", { value: code }, categoryLabel(code))));

/** Content type from the browser, else from the extension; null if not accepted. */
function contentType(file) {
  const ext = file.name.split(".").pop().toLowerCase();
  if (Object.values(TYPES).includes(file.type)) return file.type;
  if (file.type === "text/rtf") return "text/rtf";
  return TYPES[ext] ?? null;
}

export async function documentsView(view) {
  const filters = {};
  let cursor = null;
  const listTitle = h("h2", { tabindex: -1, id: "docs-title" }, ts("documents.yours"));
  const list = h("ul", { class: "cards" });
  const listStatus = h("p", { role: "status", class: "hint" });
  const failed = h("div");
  const more = h("button", { type: "button", class: "btn secondary", hidden: true, onclick: () => load(false) }, t("documents.more"));

  const filterForm = h("form", { class: "filters", "aria-label": t("documents.filter"), novalidate: true },
    field({ label: t("documents.category"), control: categorySelect("category", t("documents.allCategories")) }),
    field({ label: t("documents.from"), control: h("input", { type: "date", name: "date_from" }) }),
    field({ label: t("documents.to"), control: h("input", { type: "date", name: "date_to" }) }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn" }, t("documents.apply")),
      h("button", { type: "reset", class: "btn secondary" }, t("documents.reset"))));
  filterForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(filterForm));
    const bad = values.date_from && values.date_to && values.date_from > values.date_to;
    if (showErrors(filterForm, { date_to: bad ? t("documents.toBeforeFrom") : "" })) return;
    Object.assign(filters, values);
    load(true);
  });
  filterForm.addEventListener("reset", () => {
    showErrors(filterForm, {});
    for (const k of Object.keys(filters)) delete filters[k];
    load(true);
  });

  view.append(h("h1", { tabindex: -1 }, ts("nav.documents")),
    h("p", { class: "lead" }, ts("documents.lead")),
    uploadForm(() => list.isConnected && load(true)),
    h("section", { "aria-labelledby": "docs-title" }, listTitle, filterForm, listStatus, failed, list, more));
  await load(true);

  async function load(reset) {
    if (!reset && isBusy(more)) return;
    if (reset) cursor = null;
    listStatus.textContent = t("documents.loading");
    failed.replaceChildren();
    setBusy(more, true);
    try {
      const page = await api(`/me/documents${query({ ...filters, limit: PAGE, cursor })}`);
      if (reset) list.replaceChildren();
      for (const doc of page.items ?? []) list.append(item(doc));
      cursor = page.next_cursor ?? null;
      more.hidden = !cursor;
      const n = list.children.length;
      listStatus.textContent = n === 0 ? t("documents.none") : t(cursor ? "documents.countMore" : "documents.count", { count: n });
    } catch (err) {
      listStatus.textContent = "";
      failed.replaceChildren(loadFailed(err, () => load(reset)));
    } finally {
      setBusy(more, false);
    }
  }

  function item(doc) {
    const li = h("li", { class: "card", "data-id": doc.document_id });
    fill(li, doc);
    return li;
  }

  function fill(li, doc) {
    const author = doc.author ?? {};
    li.replaceChildren(...[
      h("h3", {}, doc.title),
      h("p", { class: "meta" }, [categoryLabel(doc.category), fmtDate(doc.document_date), fmtSize(doc.size)].filter(Boolean).join(t("common.separator"))),
      h("p", { class: "meta" }, t("documents.addedBy", { name: author.display_name ?? t("common.unknown") }), author.kind === "PROFESSIONAL" ? t("documents.byProfessional") : "",
        doc.created_at ? t("documents.on", { date: fmtDate(doc.created_at) }) : ""),
      doc.masked && h("p", { class: "badge" }, t("documents.masked")),
      h("div", { class: "actions" },
        VIEWABLE.has(doc.content_type) && h("button", { type: "button", class: "btn", "data-action": "view",
          onclick: () => viewerDialog(doc, { download: () => download(doc), returnFocus: () => actionButton(doc, "view") }) }, t("viewer.view"), srTitle(doc.title)),
        h("button", { type: "button", class: VIEWABLE.has(doc.content_type) ? "btn secondary" : "btn", "data-action": "download", onclick: () => download(doc) }, t("documents.download"), srTitle(doc.title)),
        h("button", { type: "button", class: "btn secondary", "data-action": "rename", onclick: () => rename(li, doc) }, t("documents.rename"), srTitle(doc.title)),
        h("button", { type: "button", class: "btn secondary", "data-action": "mask", onclick: () => toggleMask(li, doc) },
          doc.masked ? t("documents.unmask") : t("documents.mask"), srTitle(doc.title)),
        author.kind === "PATIENT" && h("button", { type: "button", class: "btn secondary danger", "data-action": "delete", onclick: () => remove(li, doc) }, t("documents.delete"), srTitle(doc.title))),
    ].filter(Boolean));
  }

  const actionButton = (doc, action) => list.querySelector(`[data-id="${CSS.escape(doc.document_id)}"] [data-action="${action}"]`);

  async function download(doc) {
    // The link is short-lived and answers "Content-Disposition: attachment": following it in this
    // tab downloads the file and leaves the page as it is (a new tab would stay blank).
    try {
      const { url, expires_in: seconds } = await api(`/me/documents/${encodeURIComponent(doc.document_id)}/content`);
      const href = safeUrl(url);
      const link = h("a", { href, rel: "noopener noreferrer", hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      notify(h("span", {}, t("documents.downloadStarted", { title: doc.title }),
        h("a", { href, rel: "noopener noreferrer" }, t("documents.downloadLink")),
        seconds >= 60 ? t("documents.validFor", { count: Math.floor(seconds / 60) }) : "."), "success");
    } catch (err) {
      notify(err.message, "error");
    }
  }

  /** PATCH with If-Match; on 412 shows the current version. Returns the updated document. */
  async function patch(li, doc, body, action) {
    let updated;
    try {
      updated = await api(`/me/documents/${encodeURIComponent(doc.document_id)}`, { method: "PATCH", body, version: doc.version });
    } catch (err) {
      if (err.status !== 412) throw err;
      try {
        fill(li, await api(`/me/documents/${encodeURIComponent(doc.document_id)}`));
      } catch (again) {
        if (again.status === 404) li.remove();
      }
      notify(t("documents.conflict"), "error");
      return null;
    }
    fill(li, updated);
    actionButton(updated, action)?.focus();
    return updated;
  }

  function rename(li, doc) {
    formDialog({
      title: t("documents.renameTitle"),
      body: [field({ label: t("documents.newTitle"), control: h("input", { name: "title", value: doc.title, maxlength: 200, autocomplete: "off" }) })],
      submit: async (form) => {
        const title = form.elements.title.value.trim();
        if (showErrors(form, { title: title ? "" : t("documents.titleMissing") })) return false;
        if (await patch(li, doc, { title }, "rename")) notify(t("documents.renamed"), "success");
        return true;
      },
      returnFocus: () => actionButton(doc, "rename"),
    });
  }

  async function toggleMask(li, doc) {
    try {
      const updated = await patch(li, doc, { masked: !doc.masked }, "mask");
      if (updated) {
        notify(t(updated.masked ? "documents.nowMasked" : "documents.nowVisible", { title: updated.title }), "success");
      }
    } catch (err) {
      notify(err.message, "error");
    }
  }

  function remove(li, doc) {
    confirmDialog({
      title: t("documents.deleteTitle"),
      text: ts("documents.deleteText", { title: doc.title }),
      confirmLabel: t("documents.delete"),
      action: async () => {
        await api(`/me/documents/${encodeURIComponent(doc.document_id)}`, { method: "DELETE" });
        li.remove();
        notify(t("documents.deleted", { title: doc.title }), "success");
      },
      returnFocus: () => listTitle,
    });
  }
}

function uploadForm(onAccepted) {
  const progress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": t("upload.progress") });
  const status = h("div", { role: "status", class: "upload-status" });
  const submit = h("button", { type: "submit", class: "btn" }, t("upload.send"));
  const say = (text, kind = "info") => status.replaceChildren(text ? h("p", { class: `notice notice-${kind}` }, text) : "");
  const fileInput = h("input", { type: "file", name: "file", accept: [...Object.keys(TYPES).map((e) => `.${e}`), ...new Set(Object.values(TYPES))].join(",") });
  const form = h("form", { "aria-label": t("upload.add"), novalidate: true },
    field({ label: t("upload.file"), control: fileInput, hint: t("upload.fileHint") }),
    field({ label: t("upload.title"), control: h("input", { name: "title", maxlength: 200, autocomplete: "off" }) }),
    field({ label: t("upload.category"), control: categorySelect("category", t("upload.choose")) }),
    field({ label: t("upload.date"), control: h("input", { type: "date", name: "document_date", value: today(), max: today() }) }),
    h("div", { class: "actions" }, submit), progress, status);

  let suggested = "";
  fileInput.addEventListener("change", () => {
    const title = form.elements.title;
    if (!fileInput.files[0] || (title.value && title.value !== suggested)) return;
    title.value = suggested = fileInput.files[0].name.replace(/\.[^.]+$/, "");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (isBusy(submit)) return;
    say(""); // the last attempt's outcome goes: one message at a time
    dismissError();
    const file = fileInput.files[0];
    const v = Object.fromEntries(["title", "category", "document_date"].map((k) => [k, form.elements[k].value.trim()]));
    const type = file && contentType(file);
    const errors = {
      file: !file ? t("upload.noFile")
        : !type ? t("upload.badType")
        : file.size > MAX_BYTES ? t("upload.tooBig", { size: fmtSize(file.size) })
        : file.size === 0 ? t("upload.emptyFile") : "",
      title: v.title ? "" : t("upload.noTitle"),
      category: v.category ? "" : t("upload.noCategory"),
      document_date: !v.document_date ? t("upload.noDate")
        : v.document_date > today() ? t("upload.future") : "",
    };
    if (showErrors(form, errors)) return;

    const space = session.spaceId; // the upload stays attached to this space even if the user switches
    setBusy(submit, true); // still focusable: focus stays on it, not on the page's body
    progress.value = 0;
    progress.hidden = false;
    say(t("upload.preparing"));
    try {
      const slot = await api("/me/uploads", { method: "POST", space, body: { filename: file.name, content_type: type, size: file.size, ...v } });
      if (slot.max_bytes && file.size > slot.max_bytes) throw new ApiError(413, "TOO_LARGE", t("upload.maxSize", { size: fmtSize(slot.max_bytes) }));
      say(t("upload.sending"));
      const sent = await uploadFile(slot.url, slot.fields, file, (p) => { progress.value = p; });
      progress.value = 1;
      say(t("upload.checking"));
      const result = await waitFor(slot.upload_id, space, sent);
      if (result.status === "ACCEPTED") {
        say(ts("upload.accepted", { title: v.title }), "success");
        form.reset();
        form.elements.document_date.value = today();
        if (session.spaceId === space) onAccepted();
      } else {
        say(t("upload.refused", { reason: refusal(result.reason) }), "error");
      }
    } catch (err) {
      say(err.message, "error");
    } finally {
      setBusy(submit, false);
      progress.hidden = true;
    }
  });
  return h("details", { class: "card upload" }, h("summary", {}, t("upload.add")), form);
}

// The ingest's reasons are English, for developers: the user reads one of upload.reasons.
const REFUSALS = [[/larger/i, "larger"], [/empty/i, "empty"], [/not a pdf|type/i, "type"], [/not active/i, "inactive"]];
const refusal = (reason) => t(`upload.reasons.${REFUSALS.find(([pattern]) => pattern.test(reason ?? ""))?.[1] ?? "other"}`);

/** Polls the upload until it is checked. Without a readable storage answer, gives up sooner. */
async function waitFor(uploadId, space, sent) {
  const deadline = Date.now() + (sent ? 120000 : 20000);
  for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
    const r = await api(`/me/uploads/${encodeURIComponent(uploadId)}`, { space });
    if (r.status !== "PENDING") return r;
    if (Date.now() > deadline) {
      throw new ApiError(0, "TIMEOUT", t(sent ? "upload.slow" : "upload.notSent"));
    }
    await sleep(delay);
  }
}
