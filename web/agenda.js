// "Agenda" (#/agenda): the appointments as a list (the coming ones) or a month, added, changed,
// cancelled; a professional's booking says who made it and can be declined; overlaps are shown.
// The calendar link for a phone is agenda_feed.js; the reminders' settings and the prevention
// calendar are pages of their own (app.js routes #/agenda/rappels and #/agenda/prevention),
// linked from here. The prevention items to plan show beside the appointments, each booked in
// the add dialog (#/agenda?prevention=<item id>, the prevention page's link, opens it too).
import { api, query } from "./api.js";
import { fmtDate, t, ts } from "./i18n.js";
import { appointmentDialog, fmtTime, when, withWhom, wall } from "./agenda_form.js";
import { feedSection } from "./agenda_feed.js";
import { PREVENTION_ROUTE, label as itemLabel, readAll as preventionItems } from "./prevention.js";
import { REMINDERS_ROUTE } from "./reminders.js";
import { confirmDialog, h, loadFailed, notify, srTitle, today } from "./ui.js";

// The agenda's own pages, each with its catalogue title.
const PAGES = [[PREVENTION_ROUTE, "prevention.title"], [REMINDERS_ROUTE, "reminders.title"]];
// The statuses that take an item off the agenda: something was done, decided or booked for it.
const SETTLED = new Set(["DONE", "NOT_DONE", "PLANNED"]);
const PAGE = 50;
const DAY_MS = 86400000;
// A month's query reaches this far either side: an appointment's day is its own time zone's.
const ZONES_SPAN_MS = 14 * 3600000;
const state = { mode: "list", month: null };

export async function agendaView(view) {
  const content = h("div", { id: "agenda-content" });
  const modes = h("div", { class: "actions", role: "group", "aria-label": t("agenda.views") },
    ["list", "month"].map((mode) => h("button", { type: "button", class: "btn secondary", "data-mode": mode, "aria-pressed": String(state.mode === mode),
      onclick: () => { state.mode = mode; draw(); } }, t(`agenda.modes.${mode}`))));
  const add = h("button", { type: "button", class: "btn", "data-add": "", onclick: () => edit(null) }, t("agenda.add"));
  view.append(h("h1", { tabindex: -1 }, ts("nav.agenda")), h("p", { class: "lead" }, ts("agenda.lead")),
    h("nav", { "aria-label": t("agenda.otherPages") },
      h("ul", { class: "links" }, PAGES.map(([route, title]) => h("li", {}, h("a", { href: `#/${route}` }, t(title)))))),
    h("div", { class: "actions" }, add), modes, content, feedSection());
  await draw();
  const asked = new URLSearchParams(location.hash.split("?")[1] ?? "").get("prevention");
  if (asked) await bookAsked(asked);

  async function draw(focus) {
    for (const button of modes.querySelectorAll("button")) button.setAttribute("aria-pressed", String(button.dataset.mode === state.mode));
    content.replaceChildren(h("p", { role: "status" }, t("agenda.loading")));
    try {
      if (state.mode === "month") await month(content);
      else await list(content);
    } catch (err) {
      content.replaceChildren(loadFailed(err, () => draw()));
      return;
    }
    if (focus) (content.querySelector(focus) ?? add).focus();
  }

  /** The coming appointments, a page at a time. */
  async function list(box) {
    // From the hour just begun (an appointment under way is still coming), a year and a month on
    // (the server reads at most 400 days at once).
    const start = Date.now() - 3600000;
    const from = new Date(start).toISOString();
    const to = new Date(start + 399 * DAY_MS).toISOString();
    let page = await api(`/me/agenda/appointments${query({ from, to, limit: PAGE })}`);
    const items = h("ul", { class: "cards" });
    const more = h("button", { type: "button", class: "btn secondary", "data-more": "", onclick: async () => {
      try {
        page = await api(`/me/agenda/appointments${query({ from, to, limit: PAGE, cursor: page.next_cursor })}`);
      } catch (err) {
        return notify(err.message, "error");
      }
      items.append(...page.items.map(card));
      more.hidden = !page.next_cursor;
      items.lastElementChild?.querySelector("h3")?.focus();
    } }, t("agenda.showMore"));
    items.append(...page.items.map(card));
    more.hidden = !page.next_cursor;
    const due = await toPlan({ from: today(), to: to.slice(0, 10) });
    box.replaceChildren(h("h2", {}, t("agenda.coming")),
      page.items.length ? items : h("p", { class: "empty" }, t("agenda.none")), more,
      due.length > 0 && preventionList(due, "agenda.prevention.title"));
  }

  /** The prevention items meeting a range of days (`from`, `to`) with nothing planned or done for
   *  them yet. The agenda shows without them when the calendar cannot be read (no birth date...). */
  async function toPlan(range) {
    try {
      // A series' later step (the next screening, a vaccine's next dose) waits for the first:
      // two cards with the same name would read as a mistake.
      const named = new Set();
      return (await preventionItems(range)).filter((i) => !SETTLED.has(i.status))
        .filter((i) => !named.has(itemLabel(i)) && named.add(itemLabel(i)));
    } catch (err) {
      if (err.status === 401) throw err;
      return [];
    }
  }

  function preventionList(shown, title) {
    return h("section", { "aria-labelledby": "agenda-prevention" }, h("h2", { id: "agenda-prevention" }, t(title)),
      h("p", {}, t("agenda.prevention.lead")),
      h("ul", { class: "cards" }, shown.map(preventionCard)));
  }

  function preventionCard(item) {
    const name = itemLabel(item);
    const dose = item.kind === "VACCINATION" && item.number ? ` (${t("prevention.dose", { number: item.number })})` : "";
    const span = item.state === "DUE" ? t("agenda.prevention.before", { date: fmtDate(item.window.to) })
      : t("agenda.prevention.between", { from: fmtDate(item.window.from), to: fmtDate(item.window.to) });
    return h("li", { class: "card", "data-prevention": item.item_id },
      h("h3", {}, name, dose),
      h("p", {}, span),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: () => book(item) }, t("agenda.prevention.book"), srTitle(name)),
        h("a", { href: `#/${PREVENTION_ROUTE}` }, t("agenda.prevention.see"), srTitle(name))));
  }

  /** The prevention page's link (#/agenda?prevention=<id>): the item's booking dialog, once. */
  async function bookAsked(itemId) {
    history.replaceState(null, "", "#/agenda");
    let item;
    try {
      item = (await preventionItems()).find((i) => i.item_id === itemId);
    } catch (err) {
      if (err.status !== 401) notify(err.message, "error");
      return;
    }
    if (item) book(item);
    else notify(t("agenda.prevention.unknown"), "error");
  }

  /** The add dialog, its reason the item's name; once the appointment is saved, the item is marked
   *  PLANNED with it. That second write is the browser's (PUT /me/agenda/prevention/{id} with the
   *  version read): the appointment stands even when it fails, and the page says so. */
  function book(item) {
    appointmentDialog({
      appointment: null,
      day: "",
      prefill: { reason: itemLabel(item), prevention_item: item.item_id },
      done: async (saved) => {
        let marked = true;
        try {
          await api(`/me/agenda/prevention/${encodeURIComponent(item.item_id)}`,
            { method: "PUT", body: { status: "PLANNED", appointment_id: saved.appointment_id }, version: item.version });
        } catch (err) {
          if (err.status === 401) throw err;
          marked = false;
        }
        if (state.mode === "month") state.month = new Date(Date.UTC(wall(saved.start_local).getUTCFullYear(), wall(saved.start_local).getUTCMonth(), 1));
        await draw(`#appt-${CSS.escape(saved.appointment_id)}`);
        notify(t(marked ? "agenda.prevention.planned" : "agenda.prevention.notMarked"), marked ? "success" : "error");
      },
      returnFocus: () => add,
    });
  }

  /** A month: its grid (days with their times) and its appointments' cards. */
  async function month(box) {
    const now = new Date();
    const first = state.month ?? new Date(Date.UTC(now.getFullYear(), now.getMonth(), 1));
    state.month = first;
    const next = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
    const from = new Date(first.getTime() - ZONES_SPAN_MS).toISOString();
    const to = new Date(next.getTime() + ZONES_SPAN_MS).toISOString();
    const found = [];
    let cursor = null;
    do {
      const page = await api(`/me/agenda/appointments${query({ from, to, limit: 100, cursor })}`);
      found.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && found.length < 500);
    const key = first.toISOString().slice(0, 7);
    const shown = found.filter((a) => a.start_local.slice(0, 7) === key);
    const last = new Date(next.getTime() - DAY_MS).toISOString().slice(0, 10);
    const opening = (await toPlan({ from: `${key}-01`, to: last })).filter((i) => i.window.from.slice(0, 7) === key);
    const name = new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "fr-FR", { month: "long", year: "numeric", timeZone: "UTC" }).format(first);
    const go = (months) => () => {
      state.month = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + months, 1));
      draw(months < 0 ? "[data-previous]" : "[data-next]");
    };
    box.replaceChildren(
      h("div", { class: "actions month-nav" },
        h("button", { type: "button", class: "btn secondary small", "data-previous": "", onclick: go(-1) }, t("agenda.previous")),
        h("h2", { id: "agenda-month" }, name),
        h("button", { type: "button", class: "btn secondary small", "data-next": "", onclick: go(1) }, t("agenda.next"))),
      grid(first, shown),
      shown.length ? h("ul", { class: "cards" }, shown.map(card)) : h("p", { class: "empty" }, t("agenda.noneThisMonth")),
      opening.length > 0 && preventionList(opening, "agenda.prevention.month"));
  }

  function grid(first, shown) {
    const lang = document.documentElement.lang === "en" ? "en-GB" : "fr-FR";
    const weekday = new Intl.DateTimeFormat(lang, { weekday: "short", timeZone: "UTC" });
    const longDay = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
    const monday = new Date(Date.UTC(2024, 0, 1)); // a Monday
    const head = h("tr", {}, [...Array(7).keys()].map((i) => h("th", { scope: "col" }, weekday.format(new Date(monday.getTime() + i * DAY_MS)))));
    const rows = [];
    let row = [];
    const offset = (first.getUTCDay() + 6) % 7;
    for (let i = 0; i < offset; i++) row.push(h("td", { class: "day empty" }));
    const days = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    for (let d = 1; d <= days; d++) {
      const date = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), d));
      const iso = date.toISOString().slice(0, 10);
      const that = shown.filter((a) => a.start_local.slice(0, 10) === iso);
      row.push(h("td", { class: that.length ? "day busy" : "day" },
        h("span", { class: "sr-only" }, longDay.format(date)), h("span", { "aria-hidden": "true" }, String(d)),
        that.length > 0 && h("ul", { class: "times" }, that.map((a) => h("li", {}, h("button", {
          type: "button", class: `link${a.status === "BOOKED" ? "" : " struck"}`, onclick: () => document.getElementById(`appt-${a.appointment_id}`)?.focus(),
        }, fmtTime(a.start_local), h("span", { class: "sr-only" }, ` ${withWhom(a)}${a.status === "BOOKED" ? "" : ` (${t(`agenda.status.${a.status}`)})`}`)))))));
      if (row.length === 7) { rows.push(h("tr", {}, row)); row = []; }
    }
    if (row.length) {
      while (row.length < 7) row.push(h("td", { class: "day empty" }));
      rows.push(h("tr", {}, row));
    }
    return h("div", { class: "month-wrap" }, h("table", { class: "month", "aria-labelledby": "agenda-month" }, h("thead", {}, head), h("tbody", {}, rows)));
  }

  function card(a) {
    const title = when(a);
    const by = a.booked_by ?? {};
    const details = [["with", withWhom(a)], ["facility", a.professional_name || a.professional_rpps ? a.facility : ""], ["place", a.place], ["reason", a.reason], ["notes", a.notes]]
      .filter(([, v]) => v);
    const booked = a.status === "BOOKED";
    return h("li", { class: booked ? "card" : "card past" },
      h("h3", { id: `appt-${a.appointment_id}`, tabindex: -1 }, title),
      !booked && h("p", { class: "badge" }, t(`agenda.status.${a.status}`)),
      details.length > 0 && h("dl", {}, details.map(([k, v]) => h("div", {}, h("dt", {}, t(`agenda.fields.${k}`)), h("dd", {}, v)))),
      by.kind === "PROFESSIONAL" && h("p", { class: "meta" }, t("agenda.bookedBy", { name: by.display_name })),
      booked && a.overlaps?.length > 0 && h("p", { class: "warning" }, t("agenda.overlaps", { count: a.overlaps.length })),
      booked && h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: () => edit(a) }, t("agenda.edit"), srTitle(title)),
        by.kind === "PROFESSIONAL" && h("button", { type: "button", class: "btn secondary", onclick: () => decline(a) }, t("agenda.decline"), srTitle(title)),
        h("button", { type: "button", class: "btn secondary danger", onclick: () => cancel(a) }, t("agenda.cancel"), srTitle(title))));
  }

  function edit(appointment) {
    appointmentDialog({
      appointment,
      day: state.mode === "month" && state.month ? state.month.toISOString().slice(0, 10) : "",
      done: async (saved) => {
        if (state.mode === "month") state.month = new Date(Date.UTC(wall(saved.start_local).getUTCFullYear(), wall(saved.start_local).getUTCMonth(), 1));
        await draw(`#appt-${CSS.escape(saved.appointment_id)}`);
        const said = t(appointment ? "agenda.saved" : "agenda.added");
        notify(saved.overlaps?.length ? `${said} ${t("agenda.overlaps", { count: saved.overlaps.length })}` : said, "success");
      },
      returnFocus: () => add,
    });
  }

  function cancel(a) {
    confirmDialog({
      title: t("agenda.cancelTitle"),
      text: t("agenda.cancelText", { when: when(a) }),
      confirmLabel: t("agenda.cancel"),
      action: async () => {
        await api(`/me/agenda/appointments/${encodeURIComponent(a.appointment_id)}`, { method: "DELETE", version: a.version });
        await draw();
        notify(t("agenda.cancelled"), "success");
      },
      returnFocus: () => add,
    });
  }

  function decline(a) {
    confirmDialog({
      title: t("agenda.declineTitle"),
      text: t("agenda.declineText", { name: a.booked_by?.display_name ?? "", when: when(a) }),
      confirmLabel: t("agenda.decline"),
      action: async () => {
        await api(`/me/agenda/appointments/${encodeURIComponent(a.appointment_id)}/decline`, { method: "POST", version: a.version });
        await draw();
        notify(t("agenda.declined"), "success");
      },
      returnFocus: () => add,
    });
  }
}
