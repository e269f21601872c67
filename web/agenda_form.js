// The agenda's add and edit dialog, and how an appointment's times read: wall times in the
// appointment's own time zone (what the patient was told: "9 h 30 a Saint-Denis"), never shifted
// to the browser's. The server refuses a time that does not exist (the night clocks go forward).
import { api } from "./api.js";
import { currentLanguage, t } from "./i18n.js";
import { professionalName } from "./people.js";
import { field, formDialog, h, showErrors } from "./ui.js";

// The time zones the server takes (healthspace.agenda.model.TIME_ZONES), Paris first.
export const TIME_ZONES = ["Europe/Paris", "America/Guadeloupe", "America/Martinique", "America/Cayenne",
  "Indian/Reunion", "Indian/Mayotte", "America/Miquelon", "America/St_Barthelemy", "America/Marigot",
  "Pacific/Noumea", "Pacific/Tahiti", "Pacific/Marquesas", "Pacific/Gambier", "Pacific/Wallis"];
export const HOME_ZONE = "Europe/Paris";
const LOCALES = { fr: "fr-FR", en: "en-GB" };

/** A wall time "2030-03-04T09:30:00" as a Date whose UTC fields are those numbers (to format as is). */
export function wall(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value ?? "");
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5])) : new Date(NaN);
}

const format = (options) => new Intl.DateTimeFormat(LOCALES[currentLanguage()], { ...options, timeZone: "UTC" });
export const fmtDay = (value) => format({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(wall(value));
export const fmtTime = (value) => format({ hour: "2-digit", minute: "2-digit" }).format(wall(value));
export const zoneName = (zone) => t(`agenda.zones.${zone}`);

/** "lundi 4 mars 2030, 09:30 - 10:00" (and the zone, outside metropolitan France). */
export function when(appointment) {
  const text = t("agenda.when", { day: fmtDay(appointment.start_local), start: fmtTime(appointment.start_local), end: fmtTime(appointment.end_local) });
  return appointment.time_zone === HOME_ZONE ? text : t("agenda.inZone", { when: text, zone: zoneName(appointment.time_zone) });
}

/** Whom the appointment is with, as the patient wrote it. */
// A professional named by RPPS comes with the directory's name (the server's `professional`).
export const withWhom = (a) => a.professional_name || (a.professional_rpps && professionalName(a.professional, a.professional_rpps)) || a.facility || "";

const TEXTS = ["professional_name", "professional_rpps", "facility", "place", "reason", "notes"];
const LONG = { reason: 500, notes: 2000, place: 300 };

function input(name, value, attrs = {}) {
  return h("input", { name, value: value ?? "", maxlength: LONG[name] ?? 200, autocomplete: "off", ...attrs });
}

/** The dialog adding an appointment, or changing `appointment`; `done(saved)` after the save.
 *  `prefill` ({ reason, prevention_item }): a new appointment's reason, and the prevention item
 *  it plans (sent with it, and kept when the appointment is changed). */
export function appointmentDialog({ appointment, day, prefill = {}, done, returnFocus }) {
  const start = appointment?.start_local ?? "";
  const zone = h("select", { name: "time_zone" },
    TIME_ZONES.map((z) => h("option", { value: z, selected: z === (appointment?.time_zone ?? HOME_ZONE) }, zoneName(z))));
  const notes = h("textarea", { name: "notes", rows: 3, maxlength: LONG.notes }, appointment?.notes ?? "");
  formDialog({
    title: appointment ? t("agenda.editTitle") : t("agenda.add"),
    submitLabel: appointment ? t("common.save") : t("agenda.addSubmit"),
    body: [
      h("p", { class: "hint" }, t("agenda.formHint")),
      field({ label: t("agenda.fields.date"), control: h("input", { name: "date", type: "date", required: true, value: start.slice(0, 10) || day || "" }) }),
      field({ label: t("agenda.fields.start"), control: h("input", { name: "start", type: "time", required: true, value: start.slice(11, 16) }) }),
      field({ label: t("agenda.fields.end"), control: h("input", { name: "end", type: "time", required: true, value: (appointment?.end_local ?? "").slice(11, 16) }) }),
      field({ label: t("agenda.fields.time_zone"), hint: t("agenda.hints.time_zone"), control: zone }),
      field({ label: t("agenda.fields.professional_name"), hint: t("agenda.hints.professional_name"), optional: true, control: input("professional_name", appointment?.professional_name) }),
      field({ label: t("agenda.fields.professional_rpps"), hint: t("agenda.hints.professional_rpps"), optional: true,
        control: input("professional_rpps", appointment?.professional_rpps, { inputmode: "numeric", maxlength: 11 }) }),
      field({ label: t("agenda.fields.facility"), optional: true, control: input("facility", appointment?.facility) }),
      field({ label: t("agenda.fields.place"), optional: true, control: input("place", appointment?.place) }),
      field({ label: t("agenda.fields.reason"), hint: t("agenda.hints.reason"), optional: true, control: input("reason", appointment?.reason ?? prefill.reason) }),
      field({ label: t("agenda.fields.notes"), optional: true, control: notes }),
    ],
    submit: async (form) => {
      const { errors, body } = collect(form);
      const item = appointment?.prevention_item ?? prefill.prevention_item;
      if (item) body.prevention_item = item;
      if (showErrors(form, errors)) return false;
      const saved = appointment
        ? await api(`/me/agenda/appointments/${encodeURIComponent(appointment.appointment_id)}`, { method: "PUT", body, version: appointment.version })
        : await api("/me/agenda/appointments", { method: "POST", body });
      await done(saved);
      return true;
    },
    returnFocus,
  });
}

/** The form's values as the API takes them, or the errors to show by field. */
function collect(form) {
  const value = (name) => form.elements[name].value.trim();
  const errors = {};
  const date = value("date");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.date = t("agenda.errors.date");
  for (const name of ["start", "end"]) if (!/^\d{2}:\d{2}$/.test(value(name))) errors[name] = t("agenda.errors.time");
  if (!errors.start && !errors.end && value("end") <= value("start")) errors.end = t("agenda.errors.endAfterStart");
  const rpps = value("professional_rpps");
  if (rpps && !/^\d{11}$/.test(rpps)) errors.professional_rpps = t("agenda.errors.rpps");
  if (rpps && value("professional_name")) errors.professional_name = t("agenda.errors.nameOrRpps");
  if (!value("professional_name") && !rpps && !value("facility")) errors.professional_name = t("agenda.errors.whom");
  const body = { start_local: `${date}T${value("start")}:00`, end_local: `${date}T${value("end")}:00`, time_zone: value("time_zone") };
  for (const name of TEXTS) if (value(name)) body[name] = value(name);
  return { errors, body };
}
