// The medical profile, described once: tabs, forms, validation and display are all generated from here.
//
// Field: name, label, type (text | textarea | select | date | datetime | number | integer | tel | email),
//   required, options {code: label} for selects, hint, notFuture (dates), when(values) → shown and sent
//   only if true, derive(values) → value computed from other fields (read-only), check(value, values) →
//   error message or null, list: false to leave it out of the entry card (already in the title).

const UNITS = { weight: "kg", height: "cm", "blood-pressure": "mmHg", glycaemia: "g/L", "heart-rate": "bpm", temperature: "°C" };
// Plausible values per kind, as the server checks them (outside: a typing mistake).
const RANGES = { weight: [0.2, 650], height: [20, 280], "blood-pressure": [40, 300], glycaemia: [0.1, 10], "heart-rate": [20, 300], temperature: [30, 45] };
const MEASURES = {
  weight: "Poids", height: "Taille", "blood-pressure": "Tension artérielle",
  glycaemia: "Glycémie", "heart-rate": "Fréquence cardiaque", temperature: "Température",
};
const PHONE = /^(\+[1-9]\d{6,14}|0[1-9]\d{8})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const num = (v) => (typeof v === "number" ? v.toLocaleString("fr-FR") : v);
function inRange(v, kind) {
  const [low, high] = RANGES[kind] ?? [0, Infinity];
  return low <= v && v <= high ? null : `Pour ce type de mesure, saisissez une valeur entre ${num(low)} et ${num(high)} ${UNITS[kind]}.`;
}

export const SECTIONS = [
  {
    id: "allergies", label: "Allergies", noun: "une allergie",
    help: "Allergies et intolérances connues (aliments, médicaments, pollens…).",
    title: (e) => e.substance,
    fields: [
      { name: "substance", label: "Substance ou produit", type: "text", required: true, list: false },
      { name: "category", label: "Type", type: "select", required: true,
        options: { food: "Alimentaire", medication: "Médicament", environment: "Environnement", biologic: "Biologique" } },
      { name: "criticality", label: "Gravité", type: "select", required: true,
        options: { low: "Faible", high: "Élevée", "unable-to-assess": "Impossible à évaluer" } },
      { name: "reaction", label: "Réaction observée", type: "text" },
      { name: "onset_date", label: "Depuis le", type: "date", notFuture: true },
    ],
  },
  {
    id: "treatments", label: "Traitements", noun: "un traitement",
    help: "Médicaments que vous prenez ou avez pris.",
    title: (e) => e.medication,
    fields: [
      { name: "medication", label: "Médicament", type: "text", required: true, list: false },
      { name: "dosage", label: "Posologie", type: "text", hint: "Par exemple : 1 comprimé matin et soir." },
      { name: "start_date", label: "Début", type: "date", required: true },
      { name: "end_date", label: "Fin", type: "date",
        check: (v, all) => (all.start_date && v < all.start_date ? "La fin doit être après le début." : null) },
      { name: "status", label: "Statut", type: "select", required: true,
        options: { active: "En cours", completed: "Terminé", stopped: "Arrêté" } },
    ],
  },
  {
    id: "conditions", label: "Maladies et antécédents", noun: "une maladie ou un antécédent",
    help: "Maladies, problèmes de santé et antécédents.",
    title: (e) => e.name,
    fields: [
      { name: "name", label: "Maladie ou problème de santé", type: "text", required: true, list: false },
      { name: "clinical_status", label: "État", type: "select", required: true,
        options: { active: "Active", recurrence: "Récidive", relapse: "Rechute", inactive: "Inactive", remission: "En rémission", resolved: "Guérie" } },
      { name: "onset_date", label: "Depuis le", type: "date", notFuture: true },
      { name: "note", label: "Remarque", type: "textarea" },
    ],
  },
  {
    id: "vaccinations", label: "Vaccinations", noun: "une vaccination",
    help: "Vaccins reçus, avec la date et si possible le numéro de lot.",
    title: (e) => e.vaccine,
    fields: [
      { name: "vaccine", label: "Vaccin", type: "text", required: true, list: false },
      { name: "date", label: "Date", type: "date", required: true, notFuture: true },
      { name: "lot_number", label: "Numéro de lot", type: "text" },
      { name: "dose_number", label: "Numéro de la dose", type: "integer", check: (v) => (v < 1 ? "Le numéro de dose commence à 1." : null) },
    ],
  },
  {
    id: "measurements", label: "Mesures", noun: "une mesure",
    help: "Poids, taille, tension, glycémie…",
    title: (e) => `${MEASURES[e.kind] ?? e.kind} : ${num(e.value)}${e.diastolic != null ? `/${num(e.diastolic)}` : ""} ${e.unit ?? ""}`,
    fields: [
      { name: "kind", label: "Type de mesure", type: "select", required: true, options: MEASURES, list: false },
      { name: "value", label: "Valeur", type: "number", required: true, list: false,
        check: (v, all) => inRange(v, all.kind),
        hint: "Pour la tension, la valeur haute (systolique)." },
      { name: "diastolic", label: "Valeur basse (diastolique)", type: "number", required: true, list: false,
        when: (all) => all.kind === "blood-pressure",
        check: (v, all) => (v < 20 || v >= Number(all.value.replace(",", "."))
          ? "Saisissez une valeur d'au moins 20, plus basse que la valeur haute." : null) },
      { name: "unit", label: "Unité", type: "text", required: true, list: false, derive: (all) => UNITS[all.kind] ?? "",
        check: (v, all) => (UNITS[all.kind] !== v ? `Pour ce type de mesure, l'unité est ${UNITS[all.kind]}.` : null) },
      { name: "measured_at", label: "Date et heure de la mesure", type: "datetime", required: true, notFuture: true },
    ],
  },
  {
    id: "advance-directives", label: "Directives anticipées", noun: "une directive anticipée",
    help: "Vos volontés sur les soins en fin de vie, si vous ne pouviez plus les exprimer.",
    title: (e) => e.title,
    fields: [
      { name: "title", label: "Titre", type: "text", required: true, list: false },
      { name: "content", label: "Texte", type: "textarea", required: true },
      { name: "date", label: "Rédigée le", type: "date", required: true, notFuture: true },
    ],
  },
  {
    id: "contacts", label: "Contacts", noun: "un contact",
    help: "Votre personne de confiance et les personnes à prévenir en cas d'urgence.",
    title: (e) => e.name,
    fields: [
      { name: "kind", label: "Rôle", type: "select", required: true,
        options: { "trusted-person": "Personne de confiance", "emergency-contact": "Personne à prévenir en cas d'urgence" } },
      { name: "name", label: "Nom et prénom", type: "text", required: true, list: false },
      { name: "relationship", label: "Lien avec vous", type: "text", hint: "Par exemple : conjoint, fille, ami." },
      { name: "phone", label: "Téléphone", type: "tel", required: true, hint: "Par exemple : 06 12 34 56 78 ou +33 6 12 34 56 78.",
        check: (v) => (PHONE.test(v) ? null : "Saisissez un numéro à 10 chiffres (06…) ou au format international (+33…).") },
      { name: "email", label: "Adresse électronique", type: "email",
        check: (v) => (EMAIL.test(v) ? null : "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.") },
    ],
  },
];
