// Every word a person reads comes from web/locales/<language>.json; this module picks the language,
// loads its catalogue, and formats dates, numbers and sizes the way that language writes them.
const STORED = "espace-sante.language";
const LOCALES = { fr: "fr-FR", en: "en-GB" };
// Literal specifiers, so that the site's build can follow them to the hashed files.
const CATALOGUES = {
  fr: () => import("./locales/fr.json", { with: { type: "json" } }),
  en: () => import("./locales/en.json", { with: { type: "json" } }),
};

let catalogue = {};
let language = "fr";
let formats = null;

/** The language chosen before on this browser, else the browser's own if we have it, else French. */
function preferred() {
  const stored = localStorage.getItem(STORED);
  if (Object.hasOwn(LOCALES, stored)) return stored;
  const browser = (navigator.languages ?? [navigator.language]).map((l) => String(l).slice(0, 2));
  return browser.find((l) => Object.hasOwn(LOCALES, l)) ?? "fr";
}

/** Loads the catalogue of `wanted` (or of the preferred language) and sets the page's lang. */
export async function useLanguage(wanted) {
  const next = Object.hasOwn(LOCALES, wanted) ? wanted : preferred();
  catalogue = (await CATALOGUES[next]()).default;
  language = next;
  if (wanted) localStorage.setItem(STORED, next);
  document.documentElement.lang = next;
  const locale = LOCALES[next];
  formats = {
    plural: new Intl.PluralRules(locale),
    date: new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" }),
    dateTime: new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }),
    number: new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }),
  };
}

export const currentLanguage = () => language;
/** The other language, the one the switch offers. */
export const otherLanguage = () => (language === "fr" ? "en" : "fr");

/**
 * The text of `key` ("documents.title") with its {placeholders} filled from `params`; a text that
 * varies with a number ({one, other}) is chosen by `params.count`. An unknown key shows itself,
 * which the catalogue tests make impossible.
 */
export function t(key, params = {}) {
  let text = key.split(".").reduce((node, part) => node?.[part], catalogue);
  if (text && typeof text === "object" && "other" in text) text = text[formats.plural.select(params.count ?? 0)] ?? text.other;
  if (typeof text !== "string") return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

let subject = null; // the given name of the represented person whose space is shown, if any

/** Whose space the texts speak of: null for the user's own, else the represented person's name. */
export function speakOf(name) {
  subject = name ?? null;
}

/**
 * `t(key)` for the space shown: in a represented person's space (a child's), the text of
 * `child.<key>` where there is one, naming them ({child}): "Documents de Léa", not "Mes documents".
 */
export function ts(key, params = {}) {
  return subject !== null && has(`child.${key}`) ? t(`child.${key}`, { ...params, child: subject }) : t(key, params);
}

/** Whether the catalogue has `key` (labels of codes the server may add later fall back to the code). */
export const has = (key) => typeof key.split(".").reduce((node, part) => node?.[part], catalogue) === "string";

/** "2024-03-12" (read as a local date, no time-zone shift) or an ISO date-time → "12 mars 2024". */
export function fmtDate(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(+m[1], +m[2] - 1, +m[3]) : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : formats.date.format(d);
}
export function fmtDateTime(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value ?? "") : formats.dateTime.format(d);
}
export const fmtNumber = (n) => (typeof n === "number" ? formats.number.format(n) : String(n ?? ""));
export function fmtSize(bytes) {
  if (!(bytes >= 0)) return "";
  if (bytes < 1024) return t("common.bytes", { size: bytes });
  return bytes < 1024 * 1024
    ? t("common.kilobytes", { size: fmtNumber(bytes / 1024) })
    : t("common.megabytes", { size: fmtNumber(bytes / 1024 / 1024) });
}
/** The decimal separator of the language ("," in French), for number inputs. */
export const decimalSeparator = () => (language === "fr" ? "," : ".");
