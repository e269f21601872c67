// The access history (#/historique): who did what, when, in plain words; filters (professionals,
// emergency accesses) applied by the server; a list of cards that reflows at any width; the
// history exported as a CSV file built from every page the server gives.
import { api, query } from "./api.js";
import { currentLanguage, fmtDateTime, has, t, ts } from "./i18n.js";
import { professionLabel } from "./people.js";
import { SECTIONS } from "./sections.js";
import { h, notify, isBusy, loadFailed, setBusy } from "./ui.js";

const PAGE = 50;
// A filtered page reads a bounded stretch of history and may come back empty with a cursor:
// "more" asks again, up to this many times, until it has something to show.
const MAX_EMPTY_PAGES = 10;
// The export's bound: at most this many entries (the most recent), 100 a request.
export const EXPORT_MAX = 20000;
const EXPORT_PAGE = 100;
const EXPORT_MAX_REQUESTS = 500; // a filtered request reads 1,000 entries at most: 500,000 read
const FILTERS = { all: {}, professionals: { actor: "professionals" }, emergency: { emergency: "true" } };

/** Label of a code in a catalogue's group: exact match, else the first known word of it
 *  ("DOCUMENT_READ" -> actions.read), else the code itself. */
export function label(group, code) {
  const keys = [String(code ?? ""), ...String(code ?? "").toLowerCase().split(/[^a-z]+/)].map((k) => `${group}.${k}`);
  const key = keys.find(has);
  return key ? t(key) : String(code ?? t("common.unknown"));
}

// A space's life in its history (settings.js, lifecycle.js): its closure, a suspension by the
// Assurance Maladie, its deletion and reopening asked for, a copy of the whole file (export; by
// post through the helpline: export/post) and the medical summary (summary) read or downloaded.
const LIFE = {
  "space/closure": "settings.history.closure",
  "space/suspension": "settings.history.suspension",
  "space/deletion": "lifecycle.history.deletion",
  "space/reopening": "lifecycle.history.reopening",
  export: "lifecycle.history.export",
  "export/post": "lifecycle.history.exportByPost",
  summary: "lifecycle.history.summary",
};
// What the person did there, where the action's own word would not say it (a copy is asked for,
// not "added"; a reopening is asked for, not "changed").
const ASKED = new Set(["export CREATE", "space/reopening UPDATE"]);

/** What an access-log entry is about: "profile/allergies" -> "Profil medical : allergies". */
function objectType(type) {
  if (Object.hasOwn(LIFE, type)) return t(LIFE[type]);
  const section = SECTIONS.find((s) => type === s.id || type === `profile/${s.id}`);
  if (section) return t("objects.section", { section: t(`sections.${section.id}.label`).toLowerCase() });
  return label("objects", type);
}

// Systems the history names in the reader's language (others by the name the server gives).
const SYSTEM_ACTORS = { "calendar-feed": "agenda.history.calendarFeed" };
const systemActor = (actor) => (actor?.kind === "SYSTEM" && Object.hasOwn(SYSTEM_ACTORS, actor.id) ? t(SYSTEM_ACTORS[actor.id]) : null);

/** The plain words of one entry, the same for the page and the file. */
function words(e) {
  const pro = e.actor?.professional;
  const about = e.object?.professional;
  const role = pro ? professionLabel(pro) || t("accessLog.roles.PROFESSIONAL")
    : has(`accessLog.roles.${e.role}`) ? t(`accessLog.roles.${e.role}`) : label("roles", e.role);
  return {
    when: fmtDateTime(e.at),
    who: pro?.in_directory ? pro.display_name : systemActor(e.actor) ?? e.actor?.display_name ?? t("common.unknown"),
    rpps: pro?.rpps ?? "",
    role: e.emergency_reason ? t("accessLog.inEmergency", { role }) : role,
    action: ASKED.has(`${e.object?.type} ${e.action}`) ? t("lifecycle.history.asked") : label("actions", e.action),
    object: objectType(e.object?.type),
    detail: e.object?.title ?? (about ? (about.in_directory ? about.display_name : t("people.rpps", { rpps: about.rpps })) : ""),
    reason: e.emergency_reason ?? "",
    via: e.via ?? "",
  };
}

const COLUMNS = ["when", "who", "rpps", "role", "action", "object", "detail", "reason", "via"];

function card(e) {
  const w = words(e);
  const pair = (name, ...value) => h("div", {}, h("dt", {}, t(`accessLog.columns.${name}`)), h("dd", {}, ...value));
  return h("li", { class: e.emergency_reason ? "card entry urgent" : "card entry" },
    h("dl", {},
      pair("when", w.when),
      pair("who", w.who, w.rpps && h("span", { class: "meta block" }, t("people.rpps", { rpps: w.rpps })),
        w.via && h("span", { class: "meta block" }, t("history.via", { software: w.via }))),
      pair("role", w.role),
      pair("action", w.action),
      pair("object", w.object, w.detail && h("span", { class: "block" }, w.detail)),
      w.reason && pair("reason", w.reason)));
}

/** One CSV cell: a cell a spreadsheet would run as a formula (= + - @, tab, return) is made
 *  text by a leading apostrophe; quotes doubled; quoted when it holds the separator, a quote
 *  or a line break. */
export function csvCell(value, separator) {
  let text = String(value ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /["\r\n]/.test(text) || text.includes(separator) ? `"${text.replaceAll('"', '""')}"` : text;
}

export async function historyView(view) {
  let cursor = null;
  let filter = "all";
  const list = h("ol", { class: "entries", "aria-labelledby": "log-caption" });
  const status = h("p", { role: "status", class: "hint" });
  const more = h("button", { type: "button", class: "btn secondary", hidden: true, onclick: () => load(false) }, t("history.more"));
  const radios = Object.keys(FILTERS).map((name) => h("label", { class: "block" },
    h("input", { type: "radio", name: "filter", value: name, checked: name === filter }), " ", t(`accessLog.filters.${name}`)));
  const filters = h("form", { class: "filters", "aria-labelledby": "log-filters" },
    h("fieldset", { class: "checks" }, h("legend", { id: "log-filters" }, t("accessLog.show")), radios),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn secondary" }, t("accessLog.apply"))));
  filters.addEventListener("submit", (e) => {
    e.preventDefault();
    filter = filters.elements.filter.value;
    load(true);
  });
  const exportButton = h("button", { type: "button", class: "btn secondary", onclick: exportCsv }, t("accessLog.export"));
  const exportStatus = h("p", { role: "status", class: "hint" });
  const failed = h("div");
  view.append(h("h1", { tabindex: -1 }, ts("nav.historique")),
    h("p", { class: "lead" }, ts("history.lead")),
    filters,
    h("div", { class: "actions" }, exportButton), exportStatus,
    h("h2", { id: "log-caption" }, t("history.caption")),
    list, status, failed, more);
  await load(true);

  async function load(fresh) {
    if (fresh) {
      cursor = null;
      list.replaceChildren();
    }
    if (!fresh && isBusy(more)) return;
    status.textContent = t("history.loading");
    failed.replaceChildren();
    setBusy(more, true); // still focusable: focus stays on it while the next page comes
    try {
      let added = 0;
      for (let asked = 0; asked < MAX_EMPTY_PAGES; asked++) {
        const page = await api(`/me/access-log${query({ limit: PAGE, cursor, ...FILTERS[filter] })}`);
        for (const e of page.items ?? []) list.append(card(e));
        added += (page.items ?? []).length;
        cursor = page.next_cursor ?? null;
        if (added > 0 || !cursor) break;
      }
      more.hidden = !cursor;
      const n = list.children.length;
      const none = filter === "all" ? "history.none" : "accessLog.noneFiltered";
      status.textContent = n === 0 ? t(cursor ? "accessLog.noneYet" : none) : t("history.count", { count: n });
    } catch (err) {
      status.textContent = "";
      failed.replaceChildren(loadFailed(err, () => load(fresh)));
    } finally {
      setBusy(more, false);
    }
  }

  /** Every page of the history (as filtered), at most EXPORT_MAX entries, as a CSV file. */
  async function exportCsv() {
    const separator = currentLanguage() === "fr" ? ";" : ",";
    const rows = [COLUMNS.map((c) => t(`accessLog.columns.${c}`))];
    let next = null;
    let requests = 0;
    exportButton.disabled = true;
    exportStatus.textContent = t("accessLog.exporting", { count: 0 });
    try {
      do {
        const page = await api(`/me/access-log${query({ limit: EXPORT_PAGE, cursor: next, ...FILTERS[filter] })}`);
        for (const e of page.items ?? []) {
          const w = words(e);
          rows.push(COLUMNS.map((c) => w[c]));
        }
        next = page.next_cursor ?? null;
        requests += 1;
        exportStatus.textContent = t("accessLog.exporting", { count: rows.length - 1 });
      } while (next && rows.length - 1 < EXPORT_MAX && requests < EXPORT_MAX_REQUESTS);
      const kept = rows.slice(0, EXPORT_MAX + 1);
      const text = `\uFEFF${kept.map((r) => r.map((c) => csvCell(c, separator)).join(separator)).join("\r\n")}\r\n`;
      const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
      const link = h("a", { href: url, download: t("accessLog.fileName", { date: new Date().toISOString().slice(0, 10) }), hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      const count = kept.length - 1;
      exportStatus.textContent = next ? t("accessLog.exportedPart", { count }) : t("accessLog.exported", { count });
    } catch (err) {
      exportStatus.textContent = "";
      notify(err.message, "error");
    } finally {
      exportButton.disabled = false;
    }
  }
}
