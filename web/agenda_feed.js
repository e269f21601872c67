// The agenda's calendar link: a secret address the phone's calendar subscribes to. It is shown
// once, when made (the server keeps only its fingerprint); a new one stops the old; revoking
// stops it. What it shows is the patient's choice: by default "Rendez-vous medical" only.
import { api } from "./api.js";
import { currentLanguage, fmtDateTime, t } from "./i18n.js";
import { confirmDialog, h, notify, section } from "./ui.js";

const OPTIONS = ["show_professional", "show_place", "show_reason"];

/** The section of the agenda page about the calendar link. */
export function feedSection() {
  const body = h("div");
  const card = section("agenda-feed", t("agenda.feed.title"), h("p", {}, t("agenda.feed.lead")), body);
  load(body);
  return card;
}

async function load(body, made) {
  let feed = null;
  try {
    feed = await api("/me/agenda/feed");
  } catch (err) {
    if (err.status !== 404) {
      body.replaceChildren(h("p", { class: "notice notice-error" }, err.message));
      return;
    }
  }
  body.replaceChildren(...(feed ? existing(body, feed, made) : none(body)));
}

/** The choices of what a subscribed calendar shows (a new link takes them). */
function choices(options = {}) {
  return h("fieldset", { class: "checks" }, h("legend", {}, t("agenda.feed.shows")),
    h("p", { class: "hint" }, t("agenda.feed.showsHint")),
    OPTIONS.map((name) => h("label", { class: "block" },
      h("input", { type: "checkbox", name, checked: Boolean(options[name]) }), " ", t(`agenda.feed.options.${name}`))));
}

function none(body) {
  const form = h("form", { novalidate: true, "aria-label": t("agenda.feed.make") }, choices(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn" }, t("agenda.feed.make"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    make(body, form);
  });
  return [h("p", {}, t("agenda.feed.none")), form];
}

function existing(body, feed, made) {
  const parts = [h("p", {}, t("agenda.feed.since", { date: fmtDateTime(feed.created_at) }))];
  if (made) {
    const url = new URL(made.path, location.href).href;
    const address = h("input", { id: "agenda-feed-url", readonly: true, value: url, class: "wide" });
    const copied = h("p", { role: "status", class: "hint" });
    parts.push(h("div", { class: "field" }, h("label", { for: "agenda-feed-url" }, t("agenda.feed.address")),
      h("p", { class: "hint", id: "agenda-feed-url-hint" }, t("agenda.feed.addressHint")), address),
    h("div", { class: "actions" }, h("button", { type: "button", class: "btn", onclick: () => copy(address, copied) }, t("agenda.feed.copy"))), copied);
    address.setAttribute("aria-describedby", "agenda-feed-url-hint");
  } else {
    parts.push(h("p", { class: "hint" }, t("agenda.feed.hidden")));
  }
  const shown = OPTIONS.filter((name) => feed.options?.[name]).map((name) => t(`agenda.feed.options.${name}`));
  parts.push(h("p", {}, shown.length ? t("agenda.feed.showing", { what: shown.join(", ") }) : t("agenda.feed.showingLittle")));
  const form = h("form", { novalidate: true, "aria-label": t("agenda.feed.renew") }, choices(feed.options),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn secondary" }, t("agenda.feed.renew")),
      h("button", { type: "button", class: "btn secondary danger", onclick: () => revoke(body, feed) }, t("agenda.feed.revoke"))));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    make(body, form);
  });
  parts.push(form);
  return parts;
}

async function make(body, form) {
  const options = { ...Object.fromEntries(OPTIONS.map((name) => [name, form.elements[name].checked])), language: currentLanguage() };
  try {
    const made = await api("/me/agenda/feed", { method: "POST", body: options });
    await load(body, made);
    notify(t("agenda.feed.made"), "success");
    body.querySelector("#agenda-feed-url")?.focus();
  } catch (err) {
    notify(err.message, "error");
  }
}

async function copy(address, copied) {
  address.select();
  try {
    await navigator.clipboard.writeText(address.value);
    copied.textContent = t("agenda.feed.copied");
  } catch {
    copied.textContent = t("agenda.feed.copyByHand");
  }
}

function revoke(body, feed) {
  confirmDialog({
    title: t("agenda.feed.revokeTitle"),
    text: t("agenda.feed.revokeText"),
    confirmLabel: t("agenda.feed.revoke"),
    action: async () => {
      await api("/me/agenda/feed", { method: "DELETE", version: feed.version });
      await load(body);
      notify(t("agenda.feed.revoked"), "success");
    },
    returnFocus: () => body.querySelector("button"),
  });
}
