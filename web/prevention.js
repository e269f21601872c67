// "Calendrier de prevention" (#/agenda/prevention): the examinations, vaccines, screenings and
// check-ups the official calendar plans for the space's holder (a child's, through the space
// switcher), what is due now, what comes next, what is past; each item's status noted in a dialog.
import { api, query } from "./api.js";
import { fmtDate, fmtDateTime, has, t, ts } from "./i18n.js";
import { field, formDialog, h, loadFailed, notify, section, showErrors, srTitle, today } from "./ui.js";

// The page's route (app.js): a page of the agenda's.
export const PREVENTION_ROUTE = "agenda/prevention";
const STATUSES = ["TO_PLAN", "PLANNED", "DONE", "NOT_DONE"];
// "Coming up" shows what opens within a year, and at least the next few items.
const AHEAD_DAYS = 365;
const AT_LEAST = 3;
// The appointments a status may name: those starting within the next year (the agenda's range).
const APPOINTMENTS_DAYS = 365;

/** The whole calendar, page after page (it holds under a hundred items); with `range` ({ from, to }:
 *  days), only the items whose window meets it (the agenda's list and month read so). */
export async function readAll(range = {}) {
  const items = [];
  let cursor = null;
  do {
    const page = await api(`/me/agenda/prevention${query({ ...range, limit: 100, cursor })}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

export const label = (item) => (has(`prevention.items.${item.label}`) ? t(`prevention.items.${item.label}`) : item.rule);
const addDays = (day, n) => new Date(new Date(`${day}T12:00:00`).getTime() + n * 86400000).toISOString().slice(0, 10);

/** Where an item goes on the page: now (due and not settled), coming up, or earlier. */
function grouped(items) {
  const settled = (i) => i.status === "DONE" || i.status === "NOT_DONE";
  const now = items.filter((i) => i.state === "DUE" && !settled(i));
  const later = items.filter((i) => i.state === "UPCOMING" && !settled(i));
  const horizon = addDays(today(), AHEAD_DAYS);
  const upcoming = later.filter((i, n) => n < AT_LEAST || i.window.from <= horizon);
  const shown = new Set([...now, ...upcoming]);
  return { now, upcoming, earlier: items.filter((i) => !shown.has(i)) };
}

export async function preventionView(view) {
  const status = h("p", { role: "status" }, t("prevention.loading"));
  const body = h("div");
  view.append(h("h1", { tabindex: -1 }, ts("prevention.title")), h("p", { class: "lead" }, ts("prevention.lead")),
    h("ul", { class: "links" },
      h("li", {}, h("a", { href: "#/agenda" }, t("prevention.toAgenda"))),
      h("li", {}, h("a", { href: "#/agenda/rappels" }, t("prevention.reminders")))),
    status, body);
  let items = [];
  await load();

  async function load(focusId) {
    try {
      items = await readAll();
    } catch (err) {
      if (err.status === 401) return;
      status.replaceChildren();
      body.replaceChildren(loadFailed(err, () => { status.replaceChildren(t("prevention.loading")); load(); }));
      return;
    }
    status.replaceChildren();
    draw();
    if (focusId) body.querySelector(`[data-id="${CSS.escape(focusId)}"] button`)?.focus();
  }

  function draw() {
    const { now, upcoming, earlier } = grouped(items);
    body.replaceChildren(
      section("prevention-now", t("prevention.now"), list(now, "prevention.nowEmpty")),
      section("prevention-upcoming", t("prevention.upcoming"), list(upcoming, "prevention.upcomingEmpty")),
      earlier.length > 0 && section("prevention-earlier", t("prevention.earlier"),
        h("details", { class: "byrpps" }, h("summary", {}, t("prevention.earlierShow", { count: earlier.length })), list(earlier))));
  }

  function list(shown, empty) {
    if (shown.length === 0) return h("p", { class: "empty" }, t(empty));
    return h("ul", { class: "cards" }, shown.map(card));
  }

  function card(item) {
    const title = label(item);
    const dose = item.kind === "VACCINATION" && item.number ? t("prevention.dose", { number: item.number }) : null;
    return h("li", { class: "card", "data-id": item.item_id },
      h("h3", {}, title, dose && ` (${dose})`),
      h("p", {}, h("span", { class: "badge" }, t(`prevention.kinds.${item.kind}`)), " ",
        h("strong", {}, t(`prevention.statuses.${item.status}`, { date: fmtDate(item.done_on) }))),
      h("p", {}, t("prevention.window", { from: fmtDate(item.window.from), to: fmtDate(item.window.to) })),
      item.profile_entry_id && h("p", { class: "hint" }, t("prevention.fromProfile")),
      h("p", { class: "meta" }, t("prevention.ruleLabel"), " ", h("span", { lang: "fr" }, item.rule)),
      h("p", { class: "meta" }, t("prevention.source"), " ", h("span", { lang: "fr" }, `${item.source.title} (${item.source.year})`)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: () => change(item) }, t("prevention.change"), srTitle(title)),
        item.status !== "DONE" && h("a", { class: "btn secondary", href: `#/agenda${query({ prevention: item.item_id })}` },
          t("prevention.book"), srTitle(title))));
  }

  /** The booked appointments of the coming year, for a PLANNED status to name one. */
  async function appointments() {
    const from = new Date();
    const to = new Date(from.getTime() + APPOINTMENTS_DAYS * 86400000);
    const page = await api(`/me/agenda/appointments${query({ from: from.toISOString(), to: to.toISOString(), limit: 100 })}`);
    return (page.items ?? []).filter((a) => a.status === "BOOKED");
  }

  async function change(item) {
    let booked;
    try {
      booked = await appointments();
    } catch (err) {
      if (err.status === 401) return;
      booked = null; // the status can still be set, but for PLANNED
    }
    const title = label(item);
    const radios = STATUSES.map((code) => h("label", { class: "block" },
      h("input", { type: "radio", name: "status", value: code, checked: code === item.status }), " ", t(`prevention.choices.${code}`)));
    const date = h("input", { type: "date", name: "done_on", max: today(), value: item.done_on ?? "" });
    const choices = (booked ?? []).map((a) => h("option", { value: a.appointment_id, selected: a.appointment_id === item.appointment_id || a.prevention_item === item.item_id },
      t("prevention.appointmentWith", { date: fmtDateTime(a.start_local), who: a.professional_name ?? a.facility ?? a.place ?? "" })));
    const select = h("select", { name: "appointment_id" }, h("option", { value: "" }, t("common.choose")), choices);
    const dateField = field({ label: t("prevention.doneOn"), control: date, name: "done_on" });
    const appointmentField = choices.length > 0
      ? field({ label: t("prevention.appointment"), control: select, name: "appointment_id" })
      : h("div", { "data-field": "appointment_id" }, h("p", { class: "hint" }, t("prevention.noAppointment"),
        " ", h("a", { href: "#/agenda" }, t("prevention.toAgenda"))), h("p", { class: "field-error" }));
    const picked = (form) => form.elements.status.value;
    const showFields = (form) => {
      dateField.hidden = picked(form) !== "DONE";
      appointmentField.hidden = picked(form) !== "PLANNED";
    };
    formDialog({
      title: t("prevention.dialogTitle", { label: title }),
      body: [h("fieldset", { class: "checks", "data-field": "status" }, h("legend", {}, t("prevention.choose")), radios,
        h("p", { class: "field-error" })), dateField, appointmentField],
      setup: (form) => {
        form.addEventListener("change", () => showFields(form));
        showFields(form);
      },
      submit: async (form) => {
        const chosen = picked(form);
        const sent = { status: chosen };
        const errors = {};
        if (chosen === "DONE") {
          sent.done_on = date.value;
          if (!date.value) errors.done_on = t("prevention.dateMissing");
          else if (date.value > today()) errors.done_on = t("prevention.dateFuture");
        }
        if (chosen === "PLANNED") {
          sent.appointment_id = choices.length > 0 ? select.value : "";
          if (!sent.appointment_id) errors.appointment_id = t("prevention.appointmentMissing");
        }
        if (Object.keys(errors).length > 0) {
          showErrors(form, errors); // focuses the first wrong control, where there is one
          return false;
        }
        try {
          await api(`/me/agenda/prevention/${encodeURIComponent(item.item_id)}`, { method: "PUT", body: sent, version: item.version });
        } catch (err) {
          if (err.status !== 412) throw err;
          await load(item.item_id);
          notify(t("prevention.conflict"), "error");
          return true;
        }
        await load(item.item_id);
        notify(t("prevention.saved"), "success");
        return true;
      },
      returnFocus: () => body.querySelector(`[data-id="${CSS.escape(item.item_id)}"] button`),
    });
  }
}
