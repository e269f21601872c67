// "Qui voit mon dossier": emergency access, masking by default, treating doctor, care team, blocked
// professionals. Every change sends the version read (If-Match) and shows the record the server returns.
import { api } from "./api.js";
import { CATEGORIES } from "./documents.js";
import { SECTIONS } from "./sections.js";
import { h, srOnly, field, showErrors, formDialog, confirmDialog, notify, today, fmtDate } from "./ui.js";

const CONFLICT = "Ces réglages ont été modifiés entre-temps (sur un autre appareil ou par un autre représentant). "
  + "Leur dernier état est maintenant affiché : vérifiez-le, puis recommencez si besoin.";
const KINDS = { ...CATEGORIES, ...Object.fromEntries(SECTIONS.map((s) => [s.id, `Profil : ${s.label.toLowerCase()}`])) };
const GRANTS = { TEAM: "Déclaré par vous", CONSENT: "Consentement recueilli par le professionnel" };

/** An RPPS number: 11 digits whose Luhn check holds (as the server checks it). */
function rppsError(value) {
  if (!/^\d{11}$/.test(value)) return "Le numéro RPPS compte 11 chiffres.";
  const sum = [...value].reverse().reduce((total, c, i) => {
    const d = i % 2 ? Number(c) * 2 : Number(c);
    return total + (d > 9 ? d - 9 : d);
  }, 0);
  return sum % 10 === 0 ? null : "Ce numéro RPPS n'est pas valide : vérifiez-le sur la carte du professionnel.";
}

/** The last day of a grant, its end being excluded (midnight after the chosen day). */
const lastDay = (end) => fmtDate(new Date(Date.parse(end) - 1).toISOString());

const rppsField = () => field({
  label: "Numéro RPPS du professionnel", hint: "11 chiffres, indiqués sur ses ordonnances ou dans l'annuaire santé.",
  control: h("input", { name: "rpps", inputmode: "numeric", autocomplete: "off", maxlength: 11, required: true }),
});

/** The RPPS typed in the form, or null after showing why it is refused. */
function readRpps(form) {
  const rpps = form.elements.rpps.value.replace(/\s/g, "");
  return showErrors(form, { rpps: rppsError(rpps) }) ? null : rpps;
}

export async function careView(view) {
  const body = h("div");
  view.append(h("h1", { tabindex: -1 }, "Qui voit mon dossier"),
    h("p", { class: "lead" }, "Choisissez les professionnels de santé qui peuvent consulter votre dossier. "
      + "Chaque modification est enregistrée dans l'historique des accès."),
    body);
  let record;

  async function load() {
    body.replaceChildren(h("p", { role: "status" }, "Chargement des réglages…"));
    try {
      record = await api("/me/care");
      draw();
    } catch (err) {
      body.replaceChildren();
      notify(err.message, "error");
    }
  }

  /** Sends one change at the version read; a stale version reloads and says so. */
  async function change(path, method, payload, done) {
    try {
      record = await api(path, { method, body: payload, version: record.version });
    } catch (err) {
      if (err.status !== 412) throw err;
      await load();
      notify(CONFLICT, "error");
      return;
    }
    draw();
    notify(done, "success");
  }

  function draw() {
    body.replaceChildren(switches(), doctor(), team(), blocked());
  }

  function switches() {
    const toggle = (name, title, text) => {
      const on = record[name];
      const flip = () => change("/me/care/settings", "PUT", { [name]: !on }, `${title} : ${on ? "désactivé" : "activé"}.`)
        .catch((err) => notify(err.message, "error"));
      return h("li", {},
        h("span", {}, h("strong", {}, title), " ", h("span", { class: "badge" }, on ? "Activé" : "Désactivé"), h("span", { class: "meta block" }, text)),
        h("button", { type: "button", class: "btn secondary small", onclick: flip }, on ? "Désactiver" : "Activer", srOnly(` : ${title.toLowerCase()}`)));
    };
    return h("section", { class: "card", "aria-labelledby": "switches-title" },
      h("h2", { id: "switches-title" }, "Réglages"),
      h("ul", { class: "spaces" },
        toggle("emergency_access", "Accès en urgence",
          "En cas d'urgence, un professionnel peut consulter votre dossier en justifiant sa demande ; vous en êtes informé."),
        toggle("mask_by_default", "Masquer les nouveaux documents",
          "Les documents ajoutés ensuite sont masqués aux professionnels, sauf à leur auteur et à votre médecin traitant.")));
  }

  function doctor() {
    const current = record.treating_doctor;
    const designate = () => formDialog({
      title: "Déclarer mon médecin traitant", submitLabel: "Déclarer", body: [rppsField()],
      submit: async (form) => {
        const rpps = readRpps(form);
        if (!rpps) return false;
        await change("/me/care/treating-doctor", "PUT", { rpps }, "Votre médecin traitant est déclaré.");
      },
    });
    const end = () => confirmDialog({
      title: "Mettre fin à la désignation", confirmLabel: "Mettre fin",
      text: "Votre médecin traitant n'aura plus accès à tout votre dossier.",
      action: () => change("/me/care/treating-doctor", "DELETE", undefined, "La désignation de votre médecin traitant a pris fin."),
    });
    return h("section", { class: "card", "aria-labelledby": "doctor-title" },
      h("h2", { id: "doctor-title" }, "Médecin traitant"),
      current
        ? h("p", {}, "RPPS ", h("strong", {}, current.rpps), h("span", { class: "meta block" }, `Déclaré le ${fmtDate(current.designated_at)}. Il voit tout votre dossier, documents masqués compris.`))
        : h("p", { class: "empty" }, "Aucun médecin traitant déclaré."),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn secondary", onclick: designate }, current ? "Changer de médecin traitant" : "Déclarer mon médecin traitant"),
        current && h("button", { type: "button", class: "btn secondary danger", onclick: end }, "Mettre fin à la désignation")));
  }

  function team() {
    const scopeText = (scope) => (scope === "full" ? "Tout ce que sa profession permet, documents masqués compris"
      : scope.map((k) => KINDS[k] ?? k).join(", "));
    const revoke = (g) => confirmDialog({
      title: "Retirer l'accès", confirmLabel: "Retirer l'accès", text: `Le professionnel RPPS ${g.rpps} n'aura plus accès à votre dossier.`,
      action: () => change(`/me/care/team/${g.rpps}`, "DELETE", undefined, "L'accès a été retiré."),
    });
    return h("section", { class: "card", "aria-labelledby": "team-title" },
      h("h2", { id: "team-title" }, "Équipe de soins"),
      record.team.length === 0 ? h("p", { class: "empty" }, "Aucun professionnel n'a d'accès particulier.")
        : h("ul", { class: "spaces" }, record.team.map((g) => h("li", {},
          h("span", {}, "RPPS ", h("strong", {}, g.rpps),
            h("span", { class: "meta block" }, GRANTS[g.kind] ?? g.kind, g.expires_at ? `, jusqu'au ${lastDay(g.expires_at)}` : ""),
            h("span", { class: "meta block" }, scopeText(g.scope))),
          h("button", { type: "button", class: "btn secondary danger small", onclick: () => revoke(g) }, "Retirer l'accès", srOnly(` au RPPS ${g.rpps}`))))),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn secondary", onclick: grantDialog }, "Donner accès à un professionnel")));
  }

  function grantDialog() {
    const boxes = Object.entries(KINDS).map(([code, label]) => h("label", { class: "block" },
      h("input", { type: "checkbox", name: "kind", value: code }), " ", label));
    formDialog({
      title: "Donner accès à un professionnel", submitLabel: "Donner accès",
      body: [rppsField(),
        field({ label: "Accès", name: "full", control: h("select", { name: "full" },
          h("option", { value: "" }, "Seulement les éléments cochés ci-dessous"),
          h("option", { value: "full" }, "Tout ce que sa profession permet")) }),
        h("fieldset", { class: "checks", "data-field": "kind" }, h("legend", {}, "Éléments accessibles"), boxes, h("p", { class: "field-error" })),
        field({ label: "Jusqu'au", optional: true, hint: "Laissez vide pour un accès jusqu'à ce que vous le retiriez.",
          control: h("input", { type: "date", name: "until", min: today() }) })],
      submit: async (form) => {
        const rpps = readRpps(form);
        if (!rpps) return false;
        const full = form.elements.full.value === "full";
        const kinds = [...form.querySelectorAll("input[name=kind]:checked")].map((c) => c.value);
        const until = form.elements.until.value;
        const errors = {
          kind: !full && kinds.length === 0 ? "Cochez au moins un élément, ou choisissez « Tout »." : null,
          until: until && until < today() ? "Choisissez une date à venir." : null,
        };
        if (showErrors(form, errors)) return false;
        const [y, m, d] = until ? until.split("-").map(Number) : [];
        const payload = { scope: full ? "full" : kinds };
        if (until) payload.expires_at = new Date(y, m - 1, d + 1).toISOString(); // through that whole day
        await change(`/me/care/team/${rpps}`, "PUT", payload, "L'accès a été donné.");
      },
    });
  }

  function blocked() {
    const block = () => formDialog({
      title: "Bloquer un professionnel", submitLabel: "Bloquer", danger: true,
      body: [h("p", {}, "Un professionnel bloqué ne peut plus consulter votre dossier, même en urgence."), rppsField()],
      submit: async (form) => {
        const rpps = readRpps(form);
        if (!rpps) return false;
        await change(`/me/care/blocked/${rpps}`, "PUT", undefined, "Le professionnel est bloqué.");
      },
    });
    return h("section", { class: "card", "aria-labelledby": "blocked-title" },
      h("h2", { id: "blocked-title" }, "Professionnels bloqués"),
      record.blocked.length === 0 ? h("p", { class: "empty" }, "Aucun professionnel bloqué.")
        : h("ul", { class: "spaces" }, record.blocked.map((rpps) => h("li", {},
          h("span", {}, "RPPS ", h("strong", {}, rpps)),
          h("button", { type: "button", class: "btn secondary small", onclick: () => change(`/me/care/blocked/${rpps}`, "DELETE", undefined,
            "Le professionnel est débloqué.").catch((err) => notify(err.message, "error")) }, "Débloquer", srOnly(` le RPPS ${rpps}`))))),
      h("div", { class: "actions" }, h("button", { type: "button", class: "btn secondary danger", onclick: block }, "Bloquer un professionnel")));
  }

  await load();
}
