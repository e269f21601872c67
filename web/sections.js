// The medical profile, described once: tabs, forms, validation and display are all generated from here.
// Its words are in the catalogue, under sections.<id>: label, noun, help, fields.<name>, hints.<name>,
// options.<name>.<code>.
//
// Field: name, type (text | textarea | select | date | datetime | number | integer | tel | email),
//   required, options [codes] for selects, notFuture (dates), when(values) → shown and sent only if
//   true, derive(values) → value computed from other fields (read-only), check(value, values) → error
//   message or null, list: false to leave it out of the entry card (already in the title).
import { fmtNumber, has, t } from "./i18n.js";

// Units are values the server checks, not words: the same in every language.
const UNITS = { weight: "kg", height: "cm", "blood-pressure": "mmHg", glycaemia: "g/L", "heart-rate": "bpm", temperature: "\u00b0C" };
// Plausible values per kind, as the server checks them (outside: a typing mistake).
const RANGES = { weight: [0.2, 650], height: [20, 280], "blood-pressure": [40, 300], glycaemia: [0.1, 10], "heart-rate": [20, 300], temperature: [30, 45] };
const PHONE = /^(\+[1-9]\d{6,14}|0[1-9]\d{8})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
function inRange(v, kind) {
  const [low, high] = RANGES[kind] ?? [0, Infinity];
  return low <= v && v <= high ? null : t("profile.range", { low: fmtNumber(low), high: fmtNumber(high), unit: UNITS[kind] });
}

/** The section's words: label, noun, help. */
export const sectionText = (section, word) => t(`sections.${section.id}.${word}`);
export const fieldLabel = (section, f) => t(`sections.${section.id}.fields.${f.name}`);
export const fieldHint = (section, f) => {
  const key = `sections.${section.id}.hints.${f.name}`;
  return has(key) ? t(key) : undefined;
};
/** A select's option; a code the site does not know yet shows as it is. */
export const optionLabel = (section, f, code) => {
  const key = `sections.${section.id}.options.${f.name}.${code}`;
  return has(key) ? t(key) : String(code);
};

export const SECTIONS = [
  {
    id: "allergies",
    title: (e) => e.substance,
    fields: [
      { name: "substance", type: "text", required: true, list: false },
      { name: "category", type: "select", required: true,
        options: ["food", "medication", "environment", "biologic"] },
      { name: "criticality", type: "select", required: true,
        options: ["low", "high", "unable-to-assess"] },
      { name: "reaction", type: "text" },
      { name: "onset_date", type: "date", notFuture: true },
    ],
  },
  {
    id: "treatments",
    title: (e) => e.medication,
    fields: [
      { name: "medication", type: "text", required: true, list: false },
      { name: "dosage", type: "text" },
      { name: "start_date", type: "date", required: true },
      { name: "end_date", type: "date",
        check: (v, all) => (all.start_date && v < all.start_date ? t("profile.endBeforeStart") : null) },
      { name: "status", type: "select", required: true,
        options: ["active", "completed", "stopped"] },
    ],
  },
  {
    id: "conditions",
    title: (e) => e.name,
    fields: [
      { name: "name", type: "text", required: true, list: false },
      { name: "clinical_status", type: "select", required: true,
        options: ["active", "recurrence", "relapse", "inactive", "remission", "resolved"] },
      { name: "onset_date", type: "date", notFuture: true },
      { name: "note", type: "textarea" },
    ],
  },
  {
    id: "vaccinations",
    title: (e) => e.vaccine,
    fields: [
      { name: "vaccine", type: "text", required: true, list: false },
      { name: "date", type: "date", required: true, notFuture: true },
      { name: "lot_number", type: "text" },
      { name: "dose_number", type: "integer", check: (v) => (v < 1 ? t("profile.doseFrom1") : null) },
    ],
  },
  {
    id: "measurements",
    title: (e) => t("profile.measure", {
      kind: has(`sections.measurements.options.kind.${e.kind}`) ? t(`sections.measurements.options.kind.${e.kind}`) : e.kind,
      value: `${fmtNumber(e.value)}${e.diastolic != null ? `/${fmtNumber(e.diastolic)}` : ""}`, unit: e.unit ?? "",
    }).trim(),
    fields: [
      { name: "kind", type: "select", required: true, options: Object.keys(UNITS), list: false },
      { name: "value", type: "number", required: true, list: false,
        check: (v, all) => inRange(v, all.kind) },
      { name: "diastolic", type: "number", required: true, list: false,
        when: (all) => all.kind === "blood-pressure",
        check: (v, all) => (v < 20 || v >= Number(all.value.replace(",", "."))
          ? t("profile.diastolic") : null) },
      { name: "unit", type: "text", required: true, list: false, derive: (all) => UNITS[all.kind] ?? "",
        check: (v, all) => (UNITS[all.kind] !== v ? t("profile.unit", { unit: UNITS[all.kind] }) : null) },
      { name: "measured_at", type: "datetime", required: true, notFuture: true },
    ],
  },
  {
    id: "advance-directives",
    title: (e) => e.title,
    fields: [
      { name: "title", type: "text", required: true, list: false },
      { name: "content", type: "textarea", required: true },
      { name: "date", type: "date", required: true, notFuture: true },
    ],
  },
  {
    id: "contacts",
    title: (e) => e.name,
    fields: [
      { name: "kind", type: "select", required: true,
        options: ["trusted-person", "emergency-contact"] },
      { name: "name", type: "text", required: true, list: false },
      { name: "relationship", type: "text" },
      { name: "phone", type: "tel", required: true,
        check: (v) => (PHONE.test(v) ? null : t("profile.phone")) },
      { name: "email", type: "email",
        check: (v) => (EMAIL.test(v) ? null : t("profile.email")) },
    ],
  },
];
