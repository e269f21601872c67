// A document shown on screen: a PDF in the browser's own viewer, an image with its title as text.
// The link comes from GET /me/documents/{id}/view: short-lived, on the documents' own origin (never
// this site's), which serves the copy as the type detected when it was filed, with nosniff and a
// sandboxing Content-Security-Policy. That header is the sandbox: it holds whoever opens the link,
// and an iframe's sandbox attribute would stop the browser's PDF viewer (docs/viewer.md). This
// site's own policy lets frames and images come from that origin only.
import { api, safeUrl } from "./api.js";
import { t } from "./i18n.js";
import { h, newId, notify } from "./ui.js";

/** The types shown on screen (records.filetypes.VIEWABLE_TYPES); the others are downloaded. */
export const VIEWABLE = new Set(["application/pdf", "image/png", "image/jpeg"]);

/** Opens the viewer on `doc` in a modal dialog; Escape or "Fermer" closes it and focus goes back
 *  to the button that opened it (`returnFocus`, if the opener is gone). */
export async function viewerDialog(doc, { download, returnFocus }) {
  const opener = document.activeElement;
  notify(t("viewer.opening"));
  let link;
  try {
    link = await api(`/me/documents/${encodeURIComponent(doc.document_id)}/view`);
  } catch (err) {
    notify(err.message, "error");
    return null;
  }
  notify("");
  const src = safeUrl(link.url);
  const titleId = newId("viewer");
  const shown = link.content_type === "application/pdf"
    ? h("iframe", { src, title: t("viewer.frame", { title: doc.title }), referrerpolicy: "no-referrer", class: "viewer-frame" })
    : h("img", { src, alt: doc.title, referrerpolicy: "no-referrer", class: "viewer-image" });
  const close = h("button", { type: "button", class: "btn", onclick: () => dialog.close() }, t("viewer.close"));
  const dialog = h("dialog", { class: "viewer", "aria-labelledby": titleId },
    h("div", { class: "viewer-head" },
      h("h2", { id: titleId }, t("viewer.title", { title: doc.title })),
      h("div", { class: "actions" }, close,
        h("button", { type: "button", class: "btn secondary", onclick: () => { dialog.close(); download(); } }, t("viewer.download")))),
    h("p", { class: "hint" }, t("viewer.help")),
    h("div", { class: "viewer-body" }, shown));
  dialog.addEventListener("close", () => {
    dialog.remove();
    const target = opener?.isConnected ? opener : returnFocus?.() ?? document.querySelector("#view h1");
    target?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}
