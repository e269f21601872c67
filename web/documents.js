// "Mes documents": filters, paged list, upload with progress, download, rename, mask, delete.
import { api, query, safeUrl, session, uploadFile, ApiError } from "./api.js";
import { h, srOnly, field, showErrors, formDialog, confirmDialog, notify, today, fmtDate, fmtSize } from "./ui.js";

export const CATEGORIES = {
  summary: "Synthèse", "prescriptions-care": "Ordonnances et soins", imaging: "Imagerie", biology: "Biologie",
  reports: "Comptes rendus", screening: "Dépistages", certificates: "Certificats", administrative: "Administratif", other: "Autres",
};
const TYPES = {
  pdf: "application/pdf", txt: "text/plain", rtf: "application/rtf",
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", tif: "image/tiff", tiff: "image/tiff",
};
const MAX_BYTES = 20 * 1024 * 1024;
const PAGE = 20;
const CONFLICT = "Ce document a été modifié entre-temps (sur un autre appareil ou par un professionnel). "
  + "Sa dernière version est maintenant affichée : vérifiez-la, puis recommencez si besoin.";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const categorySelect = (name, empty) => h("select", { name },
  h("option", { value: "" }, empty), Object.entries(CATEGORIES).map(([code, label]) => h("option", { value: code }, label)));

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
  const listTitle = h("h2", { tabindex: -1, id: "docs-title" }, "Vos documents");
  const list = h("ul", { class: "cards" });
  const listStatus = h("p", { role: "status", class: "hint" });
  const more = h("button", { type: "button", class: "btn secondary", hidden: true, onclick: () => load(false) }, "Afficher plus de documents");

  const filterForm = h("form", { class: "filters", "aria-label": "Filtrer les documents", novalidate: true },
    field({ label: "Catégorie", control: categorySelect("category", "Toutes les catégories") }),
    field({ label: "Du", control: h("input", { type: "date", name: "date_from" }) }),
    field({ label: "Au", control: h("input", { type: "date", name: "date_to" }) }),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn" }, "Filtrer"),
      h("button", { type: "reset", class: "btn secondary" }, "Tout afficher")));
  filterForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const values = Object.fromEntries(new FormData(filterForm));
    const bad = values.date_from && values.date_to && values.date_from > values.date_to;
    if (showErrors(filterForm, { date_to: bad ? "Cette date doit être après la date de début." : "" })) return;
    Object.assign(filters, values);
    load(true);
  });
  filterForm.addEventListener("reset", () => {
    showErrors(filterForm, {});
    for (const k of Object.keys(filters)) delete filters[k];
    load(true);
  });

  view.append(h("h1", { tabindex: -1 }, "Mes documents"),
    h("p", { class: "lead" }, "Comptes rendus, ordonnances, résultats d'examens… ajoutés par vous ou par les professionnels qui vous soignent."),
    uploadForm(() => list.isConnected && load(true)),
    h("section", { "aria-labelledby": "docs-title" }, listTitle, filterForm, listStatus, list, more));
  await load(true);

  async function load(reset) {
    if (reset) cursor = null;
    listStatus.textContent = "Chargement des documents…";
    more.disabled = true;
    try {
      const page = await api(`/me/documents${query({ ...filters, limit: PAGE, cursor })}`);
      if (reset) list.replaceChildren();
      for (const doc of page.items ?? []) list.append(item(doc));
      cursor = page.next_cursor ?? null;
      more.hidden = !cursor;
      const n = list.children.length;
      listStatus.textContent = n === 0 ? "Aucun document ne correspond." : `${n} document${n > 1 ? "s" : ""} affiché${n > 1 ? "s" : ""}${cursor ? " (il y en a d'autres)" : ""}.`;
    } catch (err) {
      listStatus.textContent = "";
      notify(err.message, "error");
    } finally {
      more.disabled = false;
    }
  }

  function item(doc) {
    const li = h("li", { class: "card", "data-id": doc.document_id });
    fill(li, doc);
    return li;
  }

  function fill(li, doc) {
    const t = srOnly(` « ${doc.title} »`);
    const author = doc.author ?? {};
    li.replaceChildren(...[
      h("h3", {}, doc.title),
      h("p", { class: "meta" }, [CATEGORIES[doc.category] ?? doc.category, fmtDate(doc.document_date), fmtSize(doc.size)].filter(Boolean).join(" · ")),
      h("p", { class: "meta" }, `Ajouté par ${author.display_name ?? "—"}`, author.kind === "PROFESSIONAL" ? " (professionnel de santé)" : "",
        doc.created_at ? ` le ${fmtDate(doc.created_at)}` : ""),
      doc.masked && h("p", { class: "badge" }, "Masqué aux professionnels de santé"),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn", "data-action": "download", onclick: () => download(doc) }, "Télécharger", t.cloneNode(true)),
        h("button", { type: "button", class: "btn secondary", "data-action": "rename", onclick: () => rename(li, doc) }, "Renommer", t.cloneNode(true)),
        h("button", { type: "button", class: "btn secondary", "data-action": "mask", onclick: () => toggleMask(li, doc) },
          doc.masked ? "Ne plus masquer" : "Masquer aux professionnels", t.cloneNode(true)),
        author.kind === "PATIENT" && h("button", { type: "button", class: "btn secondary danger", "data-action": "delete", onclick: () => remove(li, doc) }, "Supprimer", t)),
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
      notify(h("span", {}, `Le téléchargement de « ${doc.title} » a commencé. S'il ne démarre pas, `,
        h("a", { href, rel: "noopener noreferrer" }, "utilisez ce lien"),
        seconds >= 60 ? ` (valable ${Math.floor(seconds / 60)} minute${seconds >= 120 ? "s" : ""}).` : "."), "success");
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
      notify(CONFLICT, "error");
      return null;
    }
    fill(li, updated);
    actionButton(updated, action)?.focus();
    return updated;
  }

  function rename(li, doc) {
    formDialog({
      title: "Renommer le document",
      body: [field({ label: "Nouveau titre", control: h("input", { name: "title", value: doc.title, maxlength: 200, autocomplete: "off" }) })],
      submit: async (form) => {
        const title = form.elements.title.value.trim();
        if (showErrors(form, { title: title ? "" : "Saisissez un titre." })) return false;
        if (await patch(li, doc, { title }, "rename")) notify("Le document a été renommé.", "success");
        return true;
      },
      returnFocus: () => actionButton(doc, "rename"),
    });
  }

  async function toggleMask(li, doc) {
    try {
      const updated = await patch(li, doc, { masked: !doc.masked }, "mask");
      if (updated) {
        notify(updated.masked
          ? `« ${updated.title} » est maintenant masqué aux professionnels de santé.`
          : `« ${updated.title} » est de nouveau visible par les professionnels de santé.`, "success");
      }
    } catch (err) {
      notify(err.message, "error");
    }
  }

  function remove(li, doc) {
    confirmDialog({
      title: "Supprimer ce document ?",
      text: `« ${doc.title} » sera définitivement supprimé de votre espace santé.`,
      confirmLabel: "Supprimer",
      action: async () => {
        await api(`/me/documents/${encodeURIComponent(doc.document_id)}`, { method: "DELETE" });
        li.remove();
        notify(`« ${doc.title} » a été supprimé.`, "success");
      },
      returnFocus: () => listTitle,
    });
  }
}

function uploadForm(onAccepted) {
  const progress = h("progress", { max: 1, value: 0, hidden: true, "aria-label": "Progression de l'envoi" });
  const status = h("div", { role: "status", class: "upload-status" });
  const submit = h("button", { type: "submit", class: "btn" }, "Envoyer le document");
  const say = (text, kind = "info") => status.replaceChildren(text ? h("p", { class: `notice notice-${kind}` }, text) : "");
  const fileInput = h("input", { type: "file", name: "file", accept: [...Object.keys(TYPES).map((e) => `.${e}`), ...new Set(Object.values(TYPES))].join(",") });
  const form = h("form", { "aria-label": "Ajouter un document", novalidate: true },
    field({ label: "Fichier", control: fileInput, hint: "PDF, texte, RTF, JPEG, PNG ou TIFF, 20 Mo au maximum." }),
    field({ label: "Titre", control: h("input", { name: "title", maxlength: 200, autocomplete: "off" }) }),
    field({ label: "Catégorie", control: categorySelect("category", "Choisir…") }),
    field({ label: "Date du document", control: h("input", { type: "date", name: "document_date", value: today(), max: today() }) }),
    h("div", { class: "actions" }, submit), progress, status);

  let suggested = "";
  fileInput.addEventListener("change", () => {
    const title = form.elements.title;
    if (!fileInput.files[0] || (title.value && title.value !== suggested)) return;
    title.value = suggested = fileInput.files[0].name.replace(/\.[^.]+$/, "");
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    const v = Object.fromEntries(["title", "category", "document_date"].map((k) => [k, form.elements[k].value.trim()]));
    const type = file && contentType(file);
    const errors = {
      file: !file ? "Choisissez un fichier."
        : !type ? "Ce type de fichier n'est pas accepté : choisissez un PDF, un texte, un RTF ou une image JPEG, PNG ou TIFF."
        : file.size > MAX_BYTES ? `Ce fichier fait ${fmtSize(file.size)} : la taille maximale est de 20 Mo.`
        : file.size === 0 ? "Ce fichier est vide." : "",
      title: v.title ? "" : "Saisissez un titre.",
      category: v.category ? "" : "Choisissez une catégorie.",
      document_date: !v.document_date ? "Saisissez la date du document."
        : v.document_date > today() ? "La date ne peut pas être dans le futur." : "",
    };
    if (showErrors(form, errors)) return;

    const space = session.spaceId; // the upload stays attached to this space even if the user switches
    submit.disabled = true;
    progress.value = 0;
    progress.hidden = false;
    say("Préparation de l'envoi…");
    try {
      const slot = await api("/me/uploads", { method: "POST", space, body: { filename: file.name, content_type: type, size: file.size, ...v } });
      if (slot.max_bytes && file.size > slot.max_bytes) throw new ApiError(413, "TOO_LARGE", `La taille maximale est de ${fmtSize(slot.max_bytes)}.`);
      say("Envoi du fichier en cours…");
      const sent = await uploadFile(slot.url, slot.fields, file, (p) => { progress.value = p; });
      progress.value = 1;
      say("Fichier envoyé. Vérification du document…");
      const result = await waitFor(slot.upload_id, space, sent);
      if (result.status === "ACCEPTED") {
        say(`« ${v.title} » a été ajouté à vos documents.`, "success");
        form.reset();
        form.elements.document_date.value = today();
        if (session.spaceId === space) onAccepted();
      } else {
        say(`Le document a été refusé : ${refusal(result.reason)}`, "error");
      }
    } catch (err) {
      say(err.message, "error");
    } finally {
      submit.disabled = false;
      progress.hidden = true;
    }
  });
  return h("details", { class: "card upload" }, h("summary", {}, "Ajouter un document"), form);
}

// The ingest's reasons are English, for developers: the user reads one of these.
const REFUSALS = [
  [/larger/i, "il dépasse la taille maximale de 20 Mo."],
  [/empty/i, "le fichier est vide."],
  [/not a pdf|type/i, "son contenu n'est pas celui d'un PDF, d'un texte, d'un RTF ou d'une image JPEG, PNG ou TIFF."],
  [/not active/i, "cet espace santé n'est pas ouvert."],
];
const refusal = (reason) => REFUSALS.find(([pattern]) => pattern.test(reason ?? ""))?.[1] ?? "format ou contenu non accepté.";

/** Polls the upload until it is checked. Without a readable storage answer, gives up sooner. */
async function waitFor(uploadId, space, sent) {
  const deadline = Date.now() + (sent ? 120000 : 20000);
  for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
    const r = await api(`/me/uploads/${encodeURIComponent(uploadId)}`, { space });
    if (r.status !== "PENDING") return r;
    if (Date.now() > deadline) {
      throw new ApiError(0, "TIMEOUT", sent
        ? "La vérification prend plus de temps que prévu. Le document apparaîtra dans la liste dès qu'il sera accepté."
        : "Le fichier n'a pas pu être envoyé. Vérifiez votre connexion puis réessayez.");
    }
    await sleep(delay);
  }
}
