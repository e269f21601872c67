// "Profil médical": one tab per section of sections.js, entries as cards, add/edit/delete in dialogs.
import { api, query } from "./api.js";
import { decimalSeparator, fmtDate, fmtDateTime, fmtNumber, t, ts } from "./i18n.js";
import { SECTIONS, fieldHint, fieldLabel, optionLabel, sectionText } from "./sections.js";
import { h, srTitle, field, showErrors, formDialog, confirmDialog, notify, today, loadFailed } from "./ui.js";

const INPUT = { date: "date", datetime: "datetime-local", tel: "tel", email: "email" };
const MODE = { number: "decimal", integer: "numeric" };

// Turns the text typed by the user into the value sent: [value] or [null, error message].
const PARSE = {
  number: (v) => {
    const n = Number(v.replace(",", "."));
    return Number.isFinite(n) ? [n] : [null, t("profile.number")];
  },
  integer: (v) => (/^\d+$/.test(v) ? [Number(v)] : [null, t("profile.integer")]),
  tel: (v) => [v.replace(/[\s.-]/g, "")],
  date: (v, f) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) return [null, t("profile.date")];
    return f.notFuture && v > today() ? [null, t("profile.future")] : [v];
  },
  datetime: (v, f) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return [null, t("profile.datetime")];
    return f.notFuture && d.getTime() > Date.now() + 60000 ? [null, t("profile.future")] : [d.toISOString()];
  },
};

/** The value as shown in an input (numbers with the language's decimal mark, date-times in local time). */
function toInput(f, v) {
  if (v === undefined || v === null) return "";
  if (f.type === "number") return String(v).replace(".", decimalSeparator());
  if (f.type === "datetime") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? "" : new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }
  return String(v);
}

function control(section, f, value) {
  const attrs = { name: f.name, required: f.required, readonly: Boolean(f.derive) };
  if (f.type === "select") {
    return h("select", attrs, h("option", { value: "" }, t("common.choose")),
      f.options.map((code) => h("option", { value: code, selected: code === value }, optionLabel(section, f, code))));
  }
  if (f.type === "textarea") return h("textarea", { ...attrs, rows: 5 }, value ?? "");
  return h("input", {
    ...attrs, type: INPUT[f.type] ?? "text", value: toInput(f, value), inputmode: MODE[f.type],
    max: f.notFuture && f.type === "date" ? today() : null, autocomplete: f.type === "tel" || f.type === "email" ? f.type : "off",
  });
}

// What the server adds to an entry: never sent back.
const SERVER_FIELDS = new Set(["entry_id", "version", "created_at", "updated_at", "author"]);

/** PUT replaces the whole entry: what the form does not show (a professional's code, say) is kept. */
const kept = (section, entry) => Object.fromEntries(Object.entries(entry ?? {})
  .filter(([k]) => !SERVER_FIELDS.has(k) && !section.fields.some((f) => f.name === k)));

const read = (form, section) => Object.fromEntries(section.fields.map((f) => [f.name, form.elements[f.name].value.trim()]));

/** Client-side rules: required, type, dates, the section's own checks. Returns {errors, payload}. */
function collect(section, raw) {
  const errors = {};
  const payload = {};
  for (const f of section.fields) {
    if (f.when && !f.when(raw)) continue;
    if (raw[f.name] === "") {
      if (f.required) errors[f.name] = t("profile.required");
      continue;
    }
    const [value, error] = PARSE[f.type]?.(raw[f.name], f) ?? [raw[f.name]];
    const message = error ?? f.check?.(value, raw);
    if (message) errors[f.name] = message;
    else payload[f.name] = value;
  }
  return { errors, payload };
}

/** Shows/hides conditional fields and fills derived ones. */
function applyRules(form, section) {
  const raw = read(form, section);
  for (const f of section.fields) {
    if (f.when) form.querySelector(`[data-field="${f.name}"]`).hidden = !f.when(raw);
    if (f.derive) form.elements[f.name].value = f.derive(raw);
  }
}

function show(section, f, v) {
  if (f.options) return optionLabel(section, f, v);
  if (f.type === "date") return fmtDate(v);
  if (f.type === "datetime") return fmtDateTime(v);
  return f.type === "number" ? fmtNumber(v) : String(v);
}

let selected = SECTIONS[0].id;
// Entries read per "Afficher plus" (the summary holds each section's first ones).
const PAGE = 20;

export async function profileView(view) {
  const status = h("p", { role: "status" }, t("profile.loading"));
  const failed = h("div");
  view.append(h("h1", { tabindex: -1 }, ts("nav.profil")), h("p", { class: "lead" }, ts("profile.lead")), status, failed);
  // Per section: the entries read so far, newest first, and the cursor of the next page (null: all read).
  let profile;
  const reload = async () => {
    try {
      profile = (await api("/me/profile")).sections ?? {};
      return true;
    } catch (err) {
      notify(err.message, "error");
      return false;
    }
  };
  // The first read: until it comes, the status says so; if it fails, a way to try again.
  for (;;) {
    try {
      profile = (await api("/me/profile")).sections ?? {};
      break;
    } catch (err) {
      status.replaceChildren();
      await new Promise((resolve) => failed.replaceChildren(loadFailed(err, resolve)));
      failed.replaceChildren();
      status.replaceChildren(t("profile.loading"));
    }
  }
  status.replaceChildren();

  const tablist = h("div", { role: "tablist", "aria-label": t("profile.tabs"), class: "tabs", onkeydown: onKey });
  const panel = h("section", { role: "tabpanel", id: "profile-panel", class: "panel" });
  view.append(tablist, panel);
  draw();

  function onKey(event) {
    const i = SECTIONS.findIndex((s) => s.id === selected);
    const n = SECTIONS.length;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    selected = SECTIONS[next % n].id;
    draw(true);
  }

  function draw(focusTab = false) {
    tablist.replaceChildren(...SECTIONS.map((s) => h("button", {
      type: "button", role: "tab", id: `tab-${s.id}`, "aria-controls": "profile-panel",
      "aria-selected": String(s.id === selected), tabindex: s.id === selected ? 0 : -1,
      onclick: () => { selected = s.id; draw(true); },
    }, sectionText(s, "label"), h("span", { class: "count" }, ` (${count(s.id)})`))));
    if (focusTab) tablist.querySelector('[aria-selected="true"]').focus();
    panel.setAttribute("aria-labelledby", `tab-${selected}`);

    const section = SECTIONS.find((s) => s.id === selected);
    const { items: entries = [], next_cursor: next = null } = profile[section.id] ?? {};
    panel.replaceChildren(
      h("div", { class: "panel-head" },
        h("div", {}, h("h2", {}, sectionText(section, "label")), h("p", { class: "hint" }, sectionText(section, "help"))),
        h("button", { type: "button", class: "btn", "data-add": "", onclick: () => edit(section) }, t("profile.add", { noun: sectionText(section, "noun") }))),
      entries.length
        ? h("ul", { class: "cards" }, entries.map((e) => card(section, e)))
        : h("p", { class: "empty" }, t("profile.nothing")),
      next && h("button", { type: "button", class: "btn secondary", "data-more": "", onclick: () => more(section) }, t("profile.more")));
  }

  /** The tab's count: what is read, "+" while the section has more. */
  function count(id) {
    const { items = [], next_cursor: next = null } = profile[id] ?? {};
    return next ? `${items.length}+` : String(items.length);
  }

  /** Reads the section's next page (newest first) after the entries shown. */
  async function more(section) {
    const shown = profile[section.id];
    try {
      const page = await api(`/me/profile/${section.id}${query({ limit: PAGE, cursor: shown.next_cursor })}`);
      profile[section.id] = { items: [...shown.items, ...page.items], next_cursor: page.next_cursor ?? null };
    } catch (err) {
      notify(err.message, "error");
      return;
    }
    draw();
    (panel.querySelector("[data-more]") ?? addButton()).focus();
  }

  function card(section, entry) {
    const title = section.title(entry);
    const author = entry.author ?? {};
    const shown = section.fields.filter((f) => f.list !== false && entry[f.name] !== undefined && entry[f.name] !== null && entry[f.name] !== "");
    return h("li", { class: "card", "data-id": entry.entry_id },
      h("h3", {}, title),
      shown.length > 0 && h("dl", {}, shown.map((f) => h("div", {}, h("dt", {}, fieldLabel(section, f)), h("dd", {}, show(section, f, entry[f.name]))))),
      h("p", { class: "meta" }, t("profile.by", { name: author.display_name ?? t("common.unknown") }),
        author.kind === "PROFESSIONAL" ? t("profile.byProfessional") : "", t("profile.updated", { date: fmtDateTime(entry.updated_at) })),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: () => edit(section, entry) }, t("profile.edit"), srTitle(title)),
        h("button", { type: "button", class: "btn secondary danger", onclick: () => remove(section, entry) }, t("profile.delete"), srTitle(title))));
  }

  const addButton = () => panel.querySelector("[data-add]");

  function edit(section, entry) {
    formDialog({
      title: entry ? t("profile.editTitle", { title: section.title(entry) }) : t("profile.add", { noun: sectionText(section, "noun") }),
      body: [h("p", { class: "hint" }, t("profile.allRequired")),
        ...section.fields.map((f) => field({
          label: fieldLabel(section, f), hint: fieldHint(section, f), optional: !f.required, control: control(section, f, entry?.[f.name]),
        }))],
      setup: (form) => {
        form.addEventListener("input", () => applyRules(form, section));
        applyRules(form, section);
      },
      submit: async (form) => {
        const { errors, payload } = collect(section, read(form, section));
        if (showErrors(form, errors)) return false;
        try {
          if (entry) {
            await api(`/me/profile/${section.id}/${encodeURIComponent(entry.entry_id)}`,
              { method: "PUT", body: { ...kept(section, entry), ...payload }, version: entry.version });
          } else {
            await api(`/me/profile/${section.id}`, { method: "POST", body: payload });
          }
        } catch (err) {
          if (err.status !== 412) throw err;
          if (await reload()) { draw(); notify(t("profile.conflict"), "error"); }
          return true;
        }
        if (await reload()) { draw(); notify(t(entry ? "profile.saved" : "profile.added"), "success"); }
        return true;
      },
      returnFocus: () => (entry && panel.querySelector(`[data-id="${CSS.escape(entry.entry_id)}"] button`)) || addButton(),
    });
  }

  function remove(section, entry) {
    confirmDialog({
      title: t("profile.deleteTitle"),
      text: ts("profile.deleteText", { title: section.title(entry) }),
      confirmLabel: t("profile.delete"),
      action: async () => {
        await api(`/me/profile/${section.id}/${encodeURIComponent(entry.entry_id)}`, { method: "DELETE" });
        if (await reload()) { draw(); notify(t("profile.deleted"), "success"); }
      },
      returnFocus: addButton,
    });
  }
}
