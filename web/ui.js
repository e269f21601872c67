// DOM helpers. Server data only ever reaches the page as text nodes or attribute values (never innerHTML).
import { t } from "./i18n.js";

/** h("p", {class: "x", onclick: fn}, "text", child) — strings become text nodes; false/null attributes are skipped. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  el.append(...children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

/** Visually hidden text giving context to screen readers ("Supprimer" → "Supprimer « Ordonnance »"). */
export const srOnly = (text) => h("span", { class: "sr-only" }, text);
/** The hidden quoted title that tells a screen reader which item a button acts on. */
export const srTitle = (title) => srOnly(t("common.quoted", { title }));

let uid = 0;
export const newId = (prefix) => `${prefix}-${++uid}`;

/** Today as YYYY-MM-DD in the user's time zone. */
export function today() {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
}
export const fullName = (holder) => [holder?.given_name, holder?.family_name].filter(Boolean).join(" ");

/** Writes a message in the page's live region; errors are announced at once (role=alert). */
export function notify(message, kind = "info") {
  const box = document.getElementById("notice");
  box.replaceChildren();
  if (message) box.append(h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : null }, message));
}

/** Takes the page's error away (a form being sent again will say how it went: one error at a time). */
export function dismissError() {
  const box = document.getElementById("notice");
  if (box?.querySelector(".notice-error")) box.replaceChildren();
}

/**
 * Marks a submit button busy (or not). It stays focusable, unlike a disabled one, so that focus
 * does not fall to the page's body while the form is sent; `isBusy` tells the handler to wait.
 */
export function setBusy(button, busy) {
  if (busy) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
}
export const isBusy = (button) => button.getAttribute("aria-disabled") === "true";

/** What a list shows when it could not be read: why, and a button to try again. */
export function loadFailed(err, retry) {
  const again = h("button", { type: "button", class: "btn secondary small", onclick: () => retry() }, t("common.retry"));
  return h("div", { class: "notice notice-error load-failed", role: "alert" }, h("p", {}, err.message), again);
}

/** A labelled form field: label, optional hint, the control, a slot for its error message. */
export function field({ label, control, hint, optional, name }) {
  const id = control.id || (control.id = newId("f"));
  const described = [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", described);
  return h("div", { class: "field", "data-field": name ?? control.getAttribute("name") },
    h("label", { for: id }, label, optional && h("span", { class: "optional" }, t("common.optional"))),
    hint && h("p", { class: "hint", id: `${id}-hint` }, hint),
    control,
    h("p", { class: "field-error", id: `${id}-error` }));
}

/** Shows (or clears, with an empty message) the error of one field. */
export function setFieldError(form, name, message) {
  const wrap = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!wrap) return false;
  wrap.querySelector(".field-error").textContent = message || "";
  wrap.querySelector("input, select, textarea")?.toggleAttribute("aria-invalid", Boolean(message));
  return true;
}

/** Shows a dict of field errors; focuses the first one. Returns true if there were any. */
export function showErrors(form, errors) {
  for (const wrap of form.querySelectorAll("[data-field]")) setFieldError(form, wrap.dataset.field, errors[wrap.dataset.field]);
  const first = form.querySelector("[aria-invalid]");
  first?.focus();
  return Boolean(first);
}

/**
 * Modal form in a native <dialog> (focus kept inside, Escape closes). `submit(form)` may throw
 * (the message is shown in the dialog) or return false to keep the dialog open.
 */
export function formDialog({ title, body = [], submitLabel = t("common.save"), danger = false, submit, setup, returnFocus }) {
  const opener = document.activeElement;
  const titleId = newId("dlg");
  const error = h("div", { class: "form-error", role: "alert" });
  const ok = h("button", { type: "submit", class: danger ? "btn danger" : "btn" }, submitLabel);
  const form = h("form", { novalidate: true }, error, body,
    h("div", { class: "actions" }, ok, h("button", { type: "button", class: "btn secondary", onclick: () => dialog.close() }, t("common.cancel"))));
  const dialog = h("dialog", { "aria-labelledby": titleId }, h("h2", { id: titleId }, title), form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (isBusy(ok)) return;
    error.replaceChildren();
    dismissError();
    setBusy(ok, true);
    form.setAttribute("aria-busy", "true");
    try {
      if ((await submit(form)) !== false) dialog.close();
    } catch (err) {
      error.append(h("p", {}, err.message));
      if (err.field) setFieldError(form, err.field, t("errors.notAccepted"));
    } finally {
      setBusy(ok, false);
      form.removeAttribute("aria-busy");
    }
  });
  dialog.addEventListener("close", () => {
    dialog.remove();
    const target = opener?.isConnected ? opener : returnFocus?.() ?? document.querySelector("#view h1");
    target?.focus();
  });
  document.body.append(dialog);
  setup?.(form);
  dialog.showModal();
  return dialog;
}

/** "Are you sure?" dialog running `action` on confirmation. */
export const confirmDialog = ({ title, text, confirmLabel, action, returnFocus }) =>
  formDialog({ title, body: [h("p", {}, text)], submitLabel: confirmLabel, danger: true, submit: action, returnFocus });

/** A card of the page: a <section> named by its <h2>. */
export const section = (id, title, ...children) =>
  h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...children);

/** A form whose only field is a box to tick; `send` runs once it is ticked. */
export function confirmed(understood, submitText, tickFirst, send) {
  const error = h("div", { class: "form-error", role: "alert" });
  const errorId = newId("confirm-error");
  const box = h("input", { type: "checkbox", name: "confirmed", id: newId("f"), "aria-describedby": errorId });
  const submit = h("button", { type: "submit", class: "btn danger" }, submitText);
  const form = h("form", { novalidate: true }, error,
    h("div", { class: "field", "data-field": "confirmed" },
      h("label", { class: "check" }, box, " ", understood),
      h("p", { class: "field-error", id: errorId })),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (isBusy(submit)) return;
    error.replaceChildren();
    dismissError();
    setFieldError(form, "confirmed", "");
    if (!box.checked) {
      setFieldError(form, "confirmed", tickFirst);
      return box.focus();
    }
    setBusy(submit, true);
    try {
      await send(error);
    } finally {
      setBusy(submit, false);
    }
  });
  return form;
}

/** Shows why it failed in the form's alert; a button (focused) when there is something to do. */
export function failed(error, text, button) {
  error.replaceChildren(h("p", {}, text), button ?? "");
  if (button) button.focus();
}
