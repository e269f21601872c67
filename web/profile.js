// "Profil médical": one tab per section of sections.js, entries as cards, add/edit/delete in dialogs.
import { api, query } from "./api.js";
import { SECTIONS } from "./sections.js";
import { h, srOnly, field, showErrors, formDialog, confirmDialog, notify, today, fmtDate, fmtDateTime, fmtNumber } from "./ui.js";

const INPUT = { date: "date", datetime: "datetime-local", tel: "tel", email: "email" };
const MODE = { number: "decimal", integer: "numeric" };
const CONFLICT = "Cette information a été modifiée entre-temps (sur un autre appareil ou par un professionnel). "
  + "Sa dernière version est maintenant affichée : vérifiez-la, puis recommencez si besoin.";

// Turns the text typed by the user into the value sent: [value] or [null, error message].
const PARSE = {
  number: (v) => {
    const n = Number(v.replace(",", "."));
    return Number.isFinite(n) ? [n] : [null, "Saisissez un nombre, par exemple 72,5."];
  },
  integer: (v) => (/^\d+$/.test(v) ? [Number(v)] : [null, "Saisissez un nombre entier."]),
  tel: (v) => [v.replace(/[\s.-]/g, "")],
  date: (v, f) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) return [null, "Saisissez une date valide."];
    return f.notFuture && v > today() ? [null, "La date ne peut pas être dans le futur."] : [v];
  },
  datetime: (v, f) => {
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) return [null, "Saisissez une date et une heure valides."];
    return f.notFuture && d.getTime() > Date.now() + 60000 ? [null, "La date ne peut pas être dans le futur."] : [d.toISOString()];
  },
};

/** The value as shown in an input (numbers with a decimal comma, date-times in local time). */
function toInput(f, v) {
  if (v === undefined || v === null) return "";
  if (f.type === "number") return String(v).replace(".", ",");
  if (f.type === "datetime") {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? "" : new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }
  return String(v);
}

function control(f, value) {
  const attrs = { name: f.name, required: f.required, readonly: Boolean(f.derive) };
  if (f.type === "select") {
    return h("select", attrs, h("option", { value: "" }, "Choisir…"),
      Object.entries(f.options).map(([code, label]) => h("option", { value: code, selected: code === value }, label)));
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
      if (f.required) errors[f.name] = "Ce champ est obligatoire.";
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

function show(f, v) {
  if (f.options) return f.options[v] ?? String(v);
  if (f.type === "date") return fmtDate(v);
  if (f.type === "datetime") return fmtDateTime(v);
  return f.type === "number" ? fmtNumber(v) : String(v);
}

let selected = SECTIONS[0].id;
// Entries read per "Afficher plus" (the summary holds each section's first ones).
const PAGE = 20;

export async function profileView(view) {
  const status = h("p", { role: "status" }, "Chargement du profil…");
  view.append(h("h1", { tabindex: -1 }, "Profil médical"),
    h("p", { class: "lead" }, "Les informations utiles à votre prise en charge. Les professionnels de santé qui vous soignent peuvent les consulter."),
    status);
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
  if (!(await reload())) return status.replaceChildren();
  status.replaceChildren();

  const tablist = h("div", { role: "tablist", "aria-label": "Rubriques du profil médical", class: "tabs", onkeydown: onKey });
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
    }, s.label, h("span", { class: "count" }, ` (${count(s.id)})`))));
    if (focusTab) tablist.querySelector('[aria-selected="true"]').focus();
    panel.setAttribute("aria-labelledby", `tab-${selected}`);

    const section = SECTIONS.find((s) => s.id === selected);
    const { items: entries = [], next_cursor: next = null } = profile[section.id] ?? {};
    panel.replaceChildren(
      h("div", { class: "panel-head" },
        h("div", {}, h("h2", {}, section.label), h("p", { class: "hint" }, section.help)),
        h("button", { type: "button", class: "btn", "data-add": "", onclick: () => edit(section) }, `Ajouter ${section.noun}`)),
      entries.length
        ? h("ul", { class: "cards" }, entries.map((e) => card(section, e)))
        : h("p", { class: "empty" }, "Rien n'est renseigné pour l'instant."),
      next && h("button", { type: "button", class: "btn secondary", "data-more": "", onclick: () => more(section) }, "Afficher plus"));
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
      shown.length > 0 && h("dl", {}, shown.map((f) => h("div", {}, h("dt", {}, f.label), h("dd", {}, show(f, entry[f.name]))))),
      h("p", { class: "meta" }, `Renseigné par ${author.display_name ?? "—"}`,
        author.kind === "PROFESSIONAL" ? " (professionnel de santé)" : "", ` · mis à jour le ${fmtDateTime(entry.updated_at)}`),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: () => edit(section, entry) }, "Modifier", srOnly(` « ${title} »`)),
        h("button", { type: "button", class: "btn secondary danger", onclick: () => remove(section, entry) }, "Supprimer", srOnly(` « ${title} »`))));
  }

  const addButton = () => panel.querySelector("[data-add]");

  function edit(section, entry) {
    formDialog({
      title: entry ? `Modifier : ${section.title(entry)}` : `Ajouter ${section.noun}`,
      body: [h("p", { class: "hint" }, "Tous les champs sont obligatoires, sauf ceux marqués « facultatif »."),
        ...section.fields.map((f) => field({ label: f.label, hint: f.hint, optional: !f.required, control: control(f, entry?.[f.name]) }))],
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
          if (await reload()) { draw(); notify(CONFLICT, "error"); }
          return true;
        }
        if (await reload()) { draw(); notify(entry ? "Modification enregistrée." : "Information ajoutée.", "success"); }
        return true;
      },
      returnFocus: () => (entry && panel.querySelector(`[data-id="${CSS.escape(entry.entry_id)}"] button`)) || addButton(),
    });
  }

  function remove(section, entry) {
    confirmDialog({
      title: "Supprimer cette information ?",
      text: `« ${section.title(entry)} » sera supprimé de votre profil médical. Cette action est définitive.`,
      confirmLabel: "Supprimer",
      action: async () => {
        await api(`/me/profile/${section.id}/${encodeURIComponent(entry.entry_id)}`, { method: "DELETE" });
        if (await reload()) { draw(); notify("Information supprimée.", "success"); }
      },
      returnFocus: addButton,
    });
  }
}
