// "Qui voit mon dossier": emergency access, masking by default, treating doctor, care team, blocked
// professionals. Every change sends the version read (If-Match) and shows the record the server returns.
import { api } from "./api.js";
import { CATEGORIES, categoryLabel } from "./documents.js";
import { fmtDate, has, t, ts } from "./i18n.js";
import { SECTIONS, sectionText } from "./sections.js";
import { professionalName, professionalPicker, professionalText } from "./people.js";
import { h, srOnly, field, showErrors, formDialog, confirmDialog, notify, today, loadFailed } from "./ui.js";

/** What a grant may cover: the document categories, then the profile's sections. */
const KINDS = [...CATEGORIES, ...SECTIONS.map((s) => s.id)];
function kindLabel(code) {
  const section = SECTIONS.find((s) => s.id === code);
  return section ? t("care.profileSection", { section: sectionText(section, "label").toLowerCase() }) : categoryLabel(code);
}
const grantLabel = (kind) => (has(`care.grants.${kind}`) ? t(`care.grants.${kind}`) : kind);

/** The last day of a grant, its end being excluded (midnight after the chosen day). */
const lastDay = (end) => fmtDate(new Date(Date.parse(end) - 1).toISOString());

export async function careView(view) {
  const body = h("div");
  view.append(h("h1", { tabindex: -1 }, ts("nav.acces")), h("p", { class: "lead" }, ts("care.lead")), body);
  let record;

  async function load() {
    body.replaceChildren(h("p", { role: "status" }, t("care.loading")));
    try {
      record = await api("/me/care");
      draw();
    } catch (err) {
      body.replaceChildren(loadFailed(err, load));
    }
  }

  /** Sends one change at the version read; a stale version reloads and says so. */
  async function change(path, method, payload, done) {
    try {
      record = await api(path, { method, body: payload, version: record.version });
    } catch (err) {
      if (err.status !== 412) throw err;
      await load();
      notify(t("care.conflict"), "error");
      return;
    }
    draw();
    notify(done, "success");
  }

  function draw() {
    body.replaceChildren(switches(), doctor(), team(), blocked());
  }

  function switches() {
    const toggle = (name, setting) => {
      const on = record[name];
      const title = t(`care.${setting}`);
      const done = t("care.switched", { setting: title, state: t(on ? "care.switchedOff" : "care.switchedOn") });
      const flip = () => change("/me/care/settings", "PUT", { [name]: !on }, done).catch((err) => notify(err.message, "error"));
      return h("li", {},
        h("span", {}, h("strong", {}, title), " ", h("span", { class: "badge" }, t(on ? "care.on" : "care.off")),
          h("span", { class: "meta block" }, ts(`care.${setting}Text`))),
        h("button", { type: "button", class: "btn secondary small", onclick: flip }, t(on ? "care.turnOff" : "care.turnOn"), srOnly(` : ${title.toLowerCase()}`)));
    };
    return h("section", { class: "card", "aria-labelledby": "switches-title" },
      h("h2", { id: "switches-title" }, t("care.settings")),
      h("ul", { class: "spaces" }, toggle("emergency_access", "emergency"), toggle("mask_by_default", "maskNew")));
  }

  function doctor() {
    const current = record.treating_doctor;
    const designate = () => {
      const picker = professionalPicker({ legend: t("people.findDoctor") });
      formDialog({
        title: ts("care.declareDoctor"), submitLabel: t("care.declare"), body: [picker.element],
        submit: async (form) => {
          const rpps = picker.read(form);
          if (!rpps) return false;
          await change("/me/care/treating-doctor", "PUT", { rpps }, ts("care.doctorDeclared"));
        },
      });
    };
    const end = () => confirmDialog({
      title: t("care.endDoctor"), confirmLabel: t("care.end"), text: ts("care.endDoctorText"),
      action: () => change("/me/care/treating-doctor", "DELETE", undefined, ts("care.doctorEnded")),
    });
    return h("section", { class: "card", "aria-labelledby": "doctor-title" },
      h("h2", { id: "doctor-title" }, t("care.doctor")),
      current
        ? h("p", {}, professionalText(current.professional, current.rpps),
          h("span", { class: "meta block" }, ts("care.doctorSince", { date: fmtDate(current.designated_at) })))
        : h("p", { class: "empty" }, t("care.noDoctor")),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: designate }, current ? t("care.changeDoctor") : ts("care.declareDoctor")),
        current && h("button", { type: "button", class: "btn secondary danger", onclick: end }, t("care.endDoctor"))));
  }

  function team() {
    const scopeText = (scope) => (scope === "full" ? t("care.full") : scope.map(kindLabel).join(", "));
    const revoke = (g) => confirmDialog({
      title: t("care.revoke"), confirmLabel: t("care.revoke"), text: t("people.revokeText", { name: professionalName(g.professional, g.rpps) }),
      action: () => change(`/me/care/team/${g.rpps}`, "DELETE", undefined, t("care.revoked")),
    });
    return h("section", { class: "card", "aria-labelledby": "team-title" },
      h("h2", { id: "team-title" }, t("care.team")),
      record.team.length === 0 ? h("p", { class: "empty" }, t("care.noTeam"))
        : h("ul", { class: "spaces" }, record.team.map((g) => h("li", {},
          h("span", {}, professionalText(g.professional, g.rpps),
            h("span", { class: "meta block" }, grantLabel(g.kind), g.expires_at ? t("care.until", { date: lastDay(g.expires_at) }) : ""),
            h("span", { class: "meta block" }, scopeText(g.scope))),
          h("button", { type: "button", class: "btn secondary danger small", onclick: () => revoke(g) }, t("care.revoke"), srOnly(t("people.toWhom", { name: professionalName(g.professional, g.rpps) })))))),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn secondary", onclick: grantDialog }, t("care.grant"))));
  }

  function grantDialog() {
    const boxes = KINDS.map((code) => h("label", { class: "block" },
      h("input", { type: "checkbox", name: "kind", value: code }), " ", kindLabel(code)));
    const picker = professionalPicker({ legend: t("people.findMember") });
    formDialog({
      title: t("care.grant"), submitLabel: t("care.grantSubmit"),
      body: [picker.element,
        field({ label: t("care.access"), name: "full", control: h("select", { name: "full" },
          h("option", { value: "" }, t("care.onlyChecked")),
          h("option", { value: "full" }, t("care.everything"))) }),
        h("fieldset", { class: "checks", "data-field": "kind" }, h("legend", {}, t("care.items")), boxes, h("p", { class: "field-error" })),
        field({ label: t("care.untilLabel"), optional: true, hint: t("care.untilHint"),
          control: h("input", { type: "date", name: "until", min: today() }) })],
      submit: async (form) => {
        const rpps = picker.read(form);
        if (!rpps) return false;
        const full = form.elements.full.value === "full";
        const kinds = [...form.querySelectorAll("input[name=kind]:checked")].map((c) => c.value);
        const until = form.elements.until.value;
        const errors = {
          kind: !full && kinds.length === 0 ? t("care.checkOne") : null,
          until: until && until < today() ? t("care.futureDate") : null,
        };
        if (showErrors(form, errors)) return false;
        const [y, m, d] = until ? until.split("-").map(Number) : [];
        const payload = { scope: full ? "full" : kinds };
        if (until) payload.expires_at = new Date(y, m - 1, d + 1).toISOString(); // through that whole day
        await change(`/me/care/team/${rpps}`, "PUT", payload, t("care.granted"));
      },
    });
  }

  function blocked() {
    const block = () => {
      const picker = professionalPicker({ legend: t("people.findBlocked") });
      formDialog({
        title: t("care.block"), submitLabel: t("care.blockSubmit"), danger: true,
        body: [h("p", {}, ts("care.blockText")), picker.element],
        submit: async (form) => {
          const rpps = picker.read(form);
          if (!rpps) return false;
          await change(`/me/care/blocked/${rpps}`, "PUT", undefined, t("care.isBlocked"));
        },
      });
    };
    const named = record.blocked_professionals ?? [];
    return h("section", { class: "card", "aria-labelledby": "blocked-title" },
      h("h2", { id: "blocked-title" }, t("care.blocked")),
      record.blocked.length === 0 ? h("p", { class: "empty" }, t("care.noBlocked"))
        : h("ul", { class: "spaces" }, record.blocked.map((rpps, i) => h("li", {},
          h("span", {}, professionalText(named[i], rpps)),
          h("button", { type: "button", class: "btn secondary small", onclick: () => change(`/me/care/blocked/${rpps}`, "DELETE", undefined,
            t("care.unblocked")).catch((err) => notify(err.message, "error")) }, t("care.unblock"), srOnly(t("people.toWhom", { name: professionalName(named[i], rpps) })))))),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn secondary danger", onclick: block }, t("care.block"))));
  }

  await load();
}
