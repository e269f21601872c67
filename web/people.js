// Professionals by name, never by a bare number: the directory search (a picker used in the
// care page's dialogs) and how a professional the server names is shown.
import { api, query } from "./api.js";
import { has, t } from "./i18n.js";
import { h, field, newId, setFieldError } from "./ui.js";

const PAGE = 10;

/** The profession in the page's language (by its RPPS code), else as the directory writes it. */
export function professionLabel(p) {
  if (p?.profession_code && has(`professions.${p.profession_code}`)) return t(`professions.${p.profession_code}`);
  return p?.profession ?? "";
}

/** A named professional ({rpps, display_name, profession, specialty, in_directory}) as a few
 *  lines: the name first, the profession and specialty, the RPPS last (secondary). */
export function professionalText(p, rpps) {
  const number = p?.rpps ?? rpps;
  const known = p?.in_directory !== false && p?.display_name;
  return [
    h("strong", {}, known ? p.display_name : t("people.unnamed")),
    known && h("span", { class: "meta block" }, [professionLabel(p), p.specialty].filter(Boolean).join(" \u00b7 ")),
    !known && h("span", { class: "meta block" }, t("people.notInDirectory")),
    h("span", { class: "meta block" }, t("people.rpps", { rpps: number })),
  ];
}

/** The name a screen reader hears on a button acting on this professional. */
export const professionalName = (p, rpps) => (p?.in_directory !== false && p?.display_name ? p.display_name : t("people.rpps", { rpps: p?.rpps ?? rpps }));

/** An RPPS number: 11 digits whose Luhn check holds (as the server checks it). */
function rppsError(value) {
  if (!/^\d{11}$/.test(value)) return t("care.rppsLength");
  const sum = [...value].reverse().reduce((total, c, i) => {
    const d = i % 2 ? Number(c) * 2 : Number(c);
    return total + (d > 9 ? d - 9 : d);
  }, 0);
  return sum % 10 === 0 ? null : t("care.rppsInvalid");
}

/**
 * The search of the directory, to put in a dialog's form: family name, given name (optional),
 * town or postcode (optional); results as radio buttons (name, profession, specialty, towns),
 * paged with "more", their number announced. Enter in a search field searches (it does not
 * submit the dialog). A professional absent from the directory can be named by RPPS, folded
 * away. `read(form)` gives the chosen RPPS, or null after showing why there is none.
 */
export function professionalPicker({ legend }) {
  const id = newId("pick");
  const name = h("input", { name: "pro_name", autocomplete: "off", maxlength: 100 });
  const given = h("input", { name: "pro_given", autocomplete: "off", maxlength: 100 });
  const place = h("input", { name: "pro_place", autocomplete: "off", maxlength: 100 });
  const status = h("p", { role: "status", class: "hint", id: `${id}-status` });
  const list = h("ul", { class: "choices" });
  const results = h("fieldset", { class: "checks", hidden: true },
    h("legend", { id: `${id}-results` }, t("people.results")), list);
  const more = h("button", { type: "button", class: "btn secondary small", hidden: true }, t("people.more"));
  const rpps = h("input", { name: "rpps", inputmode: "numeric", autocomplete: "off", maxlength: 11 });
  const error = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  let cursor = null;
  let shown = 0;
  let asked = null;

  function searchQuery() {
    const where = place.value.trim();
    const postcode = /^\d{5}$/.test(where) ? where : null;
    return { name: name.value.trim(), given_name: given.value.trim(), postcode, town: postcode ? null : where };
  }

  async function search(next) {
    if (!next) {
      const wanted = searchQuery();
      if (wanted.name.replace(/[^\p{L}]/gu, "").length < 2) {
        setFieldError(name.form, "pro_name", t("people.nameTooShort"));
        name.focus();
        return;
      }
      setFieldError(name.form, "pro_name", "");
      asked = wanted;
      cursor = null;
      shown = 0;
      list.replaceChildren();
    }
    status.textContent = t("people.searching");
    more.disabled = true;
    try {
      const page = await api(`/directory/professionals${query({ ...asked, limit: PAGE, cursor })}`, { space: null });
      const first = list.children.length;
      for (const p of page.items ?? []) list.append(choice(p));
      shown = list.children.length;
      cursor = page.next_cursor ?? null;
      results.hidden = shown === 0;
      more.hidden = !cursor;
      status.textContent = shown === 0 ? t("people.none") : t(cursor ? "people.foundMore" : "people.found", { count: shown });
      if (next) list.children[first]?.querySelector("input")?.focus();
    } catch (err) {
      status.textContent = err.message;
    } finally {
      more.disabled = false;
    }
  }

  function choice(p) {
    const radio = h("input", { type: "radio", name: `${id}-choice`, value: p.rpps, id: `${id}-${p.rpps}` });
    const towns = (p.places ?? []).map((pl) => [pl.town, pl.postcode && `(${pl.postcode})`].filter(Boolean).join(" ")).join(", ");
    return h("li", {}, radio, h("label", { for: radio.id },
      h("strong", {}, p.display_name),
      h("span", { class: "meta block" }, [professionLabel(p), p.specialty].filter(Boolean).join(" \u00b7 ")),
      towns && h("span", { class: "meta block" }, towns)));
  }

  const onEnter = (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    search(false);
  };
  for (const input of [name, given, place]) input.addEventListener("keydown", onEnter);
  more.addEventListener("click", () => search(true));
  list.addEventListener("change", () => { error.textContent = ""; });

  const element = h("fieldset", { class: "picker", "aria-describedby": `${id}-error` },
    h("legend", {}, legend),
    field({ label: t("people.name"), hint: t("people.nameHint"), control: name }),
    field({ label: t("people.given"), optional: true, control: given }),
    field({ label: t("people.place"), optional: true, hint: t("people.placeHint"), control: place }),
    h("div", { class: "actions" }, h("button", { type: "button", class: "btn secondary", onclick: () => search(false) }, t("people.search"))),
    status, results, more,
    h("details", { class: "byrpps" }, h("summary", {}, t("people.byRpps")),
      field({ label: t("care.rpps"), hint: t("care.rppsHint"), control: rpps })),
    error);

  /** The RPPS chosen in the results (else typed), or null after saying what is missing. */
  function read(form) {
    const checked = form.querySelector(`input[name="${id}-choice"]:checked`);
    if (checked) return checked.value;
    const typed = rpps.value.replace(/\s/g, "");
    if (typed) {
      const wrong = rppsError(typed);
      setFieldError(form, "rpps", wrong);
      if (!wrong) return typed;
      rpps.focus();
      return null;
    }
    error.textContent = t("people.chooseOne");
    (list.querySelector("input") ?? name).focus();
    return null;
  }

  return { element, read };
}
