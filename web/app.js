// Shell of the site: hash router, login, space switcher, home and access history screens.
import { api, onUnauthorized, query, session, SESSION_EXPIRED } from "./api.js";
import { careView } from "./care.js";
import { documentsView } from "./documents.js";
import { profileView } from "./profile.js";
import { SECTIONS } from "./sections.js";
import { h, field, fmtDate, fmtDateTime, fullName, notify } from "./ui.js";

const ROUTES = {
  accueil: { title: "Accueil", render: homeView },
  documents: { title: "Mes documents", render: documentsView },
  profil: { title: "Profil médical", render: profileView },
  historique: { title: "Historique des accès", render: historyView },
  acces: { title: "Qui voit mon dossier", render: careView },
};
const STATUS = { ACTIVE: "Ouvert", OPEN: "Ouvert", PENDING: "En cours d'ouverture", OPPOSED: "Non ouvert (opposition)", CLOSED: "Fermé", ARCHIVED: "Fermé" };
const ROLES = {
  HOLDER: "Titulaire", OWNER: "Titulaire", LEGAL_REPRESENTATIVE: "Représentant légal", CAREGIVER: "Aidant",
  TREATING_DOCTOR: "Médecin traitant", CARE_TEAM: "Équipe de soins", EMERGENCY: "Accès en urgence",
};
const KINDS = { PATIENT: "Patient", PROFESSIONAL: "Professionnel de santé", PARTNER: "Logiciel d'un établissement", SYSTEM: "Service Espace santé" };
const ACTIONS = {
  read: "Consultation", view: "Consultation", list: "Consultation de la liste", search: "Recherche", download: "Téléchargement",
  content: "Ouverture", create: "Ajout", add: "Ajout", upload: "Ajout", update: "Modification", patch: "Modification",
  rename: "Renommage", mask: "Masquage", unmask: "Fin du masquage", delete: "Suppression", login: "Connexion",
};
// Object types of the access log: "document", "document-list", "profile", "profile/<section>"…
const OBJECTS = {
  document: "Document", "document-list": "Liste des documents", space: "Espace santé", profile: "Profil médical",
  "profile-entry": "Profil médical", upload: "Envoi de document", "access-log": "Historique des accès",
  "care/settings": "Réglages d'accès", "care/treating-doctor": "Médecin traitant", "care/team": "Équipe de soins",
  "care/blocked": "Professionnels bloqués", "care/consent": "Consentement recueilli par le professionnel",
  "document/release": "Document rendu visible",
  ...Object.fromEntries(SECTIONS.flatMap((s) => [s.id, `profile/${s.id}`].map((k) => [k, `Profil médical : ${s.label.toLowerCase()}`]))),
};

const state = { me: null };
let focusHeading = false;

/** Label of a code: exact match, else the first known word of it ("DOCUMENT_READ" → "Consultation"). */
const label = (map, code) => map[code] ?? String(code ?? "").toLowerCase().split(/[^a-z]+/).map((w) => map[w]).find(Boolean) ?? String(code ?? "—");

const spaces = () => (state.me ? [state.me.space, ...(state.me.represented ?? [])] : []);
const currentSpace = () => (session.spaceId ? (state.me?.represented ?? []).find((s) => s.space_id === session.spaceId) : state.me?.space);

async function render() {
  document.querySelector("dialog")?.close();
  notify("");
  const view = h("div");
  document.getElementById("view").replaceChildren(view);
  const nav = document.getElementById("nav");
  if (!session.token) {
    state.me = null;
    nav.hidden = true;
    renderAccount();
    document.title = "Connexion – Espace santé";
    loginView(view);
    return focusTitle(view);
  }
  if (!state.me) {
    view.append(h("p", { role: "status" }, "Chargement de votre espace…"));
    try {
      state.me = await api("/me", { space: null });
    } catch (err) {
      if (err.status === 401) return;
      view.replaceChildren(h("h1", { tabindex: -1 }, "Service momentanément indisponible"),
        h("p", {}, "Votre espace n'a pas pu être chargé."), h("button", { type: "button", class: "btn", onclick: render }, "Réessayer"));
      return notify(err.message, "error");
    }
    view.replaceChildren();
    if (!currentSpace()) session.setSpace(null);
  }
  nav.hidden = false;
  renderAccount();
  const asked = location.hash.startsWith("#/") ? location.hash.slice(2).split(/[/?]/)[0] : "";
  const name = Object.hasOwn(ROUTES, asked) ? asked : "accueil";
  const route = ROUTES[name];
  document.title = `${route.title} – Espace santé`;
  for (const a of nav.querySelectorAll("a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const done = route.render(view); // views write their <h1> synchronously
  focusTitle(view);
  await done;
}

function focusTitle(view) {
  if (focusHeading) view.querySelector("h1")?.focus();
  focusHeading = false;
}

/** Header: who is connected, the space shown (switcher if the user represents someone), logout. */
function renderAccount() {
  const account = document.getElementById("account");
  const context = document.getElementById("context");
  account.replaceChildren();
  context.replaceChildren();
  context.hidden = true;
  if (!state.me) return;
  const current = currentSpace();
  if (spaces().length > 1) {
    const select = h("select", { name: "space" }, spaces().map((s, i) => h("option",
      { value: i === 0 ? "" : s.space_id, selected: s === current }, i === 0 ? `${fullName(s.holder)} (vous)` : fullName(s.holder))));
    const form = h("form", { class: "switcher", "aria-label": "Changer d'espace" },
      field({ label: "Espace affiché", control: select }), h("button", { type: "submit", class: "btn secondary small" }, "Afficher"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      switchSpace(select.value);
    });
    account.append(form);
  } else {
    account.append(h("p", { class: "who" }, fullName(state.me.space.holder)));
  }
  account.append(h("button", { type: "button", class: "btn secondary small", onclick: logout }, "Se déconnecter"));
  if (current !== state.me.space) {
    context.hidden = false;
    context.append(h("p", {}, "Vous consultez l'espace santé de ", h("strong", {}, fullName(current.holder)), ", en tant que représentant légal."));
  }
}

async function switchSpace(id) {
  session.setSpace(id || null);
  focusHeading = true;
  const done = render();
  notify(`Vous consultez maintenant l'espace santé de ${fullName(currentSpace()?.holder)}.`, "success");
  await done;
}

function logout() {
  session.clear();
  focusHeading = true;
  render();
  notify("Vous êtes déconnecté.", "success");
}

function loginView(view) {
  const error = h("div", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn" }, "Se connecter");
  const form = h("form", { class: "card narrow", novalidate: true }, error,
    field({ label: "Identifiant", control: h("input", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true }) }),
    field({ label: "Mot de passe", control: h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }) }),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    error.replaceChildren();
    if (!username || !password) return error.append(h("p", {}, "Saisissez votre identifiant et votre mot de passe."));
    submit.disabled = true;
    try {
      const tokens = await api("/local/login", { method: "POST", body: { username, password }, auth: false, space: null });
      session.setToken(tokens.id_token);
      session.setSpace(null);
      if (!location.hash.startsWith("#/")) history.replaceState(null, "", "#/accueil");
      focusHeading = true;
      render();
    } catch (err) {
      error.append(h("p", {}, err.message));
      submit.disabled = false;
    }
  });
  view.append(h("h1", { tabindex: -1 }, "Connexion à votre espace santé"),
    h("p", { class: "lead" }, "Environnement local de démonstration. En service réel, la connexion passe par l'identification nationale."), form);
}

function homeView(view) {
  const me = state.me;
  const space = currentSpace();
  const own = space === me.space;
  const tiles = [
    ["documents", "Mes documents", "Consulter, ajouter et masquer vos documents de santé."],
    ["profil", "Profil médical", "Allergies, traitements, vaccinations, mesures, directives anticipées…"],
    ["historique", "Historique des accès", "Savoir qui a consulté ou modifié votre espace, et quand."],
    ["acces", "Qui voit mon dossier", "Médecin traitant, équipe de soins, professionnels bloqués, accès en urgence."],
  ];
  view.append(...[
    h("h1", { tabindex: -1 }, `Bonjour ${me.space.holder?.given_name ?? ""}`.trim()),
    h("section", { class: "card", "aria-labelledby": "space-title" },
      h("h2", { id: "space-title" }, own ? "Votre espace santé" : `Espace santé de ${fullName(space.holder)}`),
      h("dl", { class: "facts" },
        h("div", {}, h("dt", {}, "Titulaire"), h("dd", {}, fullName(space.holder))),
        h("div", {}, h("dt", {}, "Date de naissance"), h("dd", {}, fmtDate(space.holder?.birth_date))),
        h("div", {}, h("dt", {}, "État de l'espace"), h("dd", {}, label(STATUS, space.status))),
        h("div", {}, h("dt", {}, "Votre rôle"), h("dd", {}, label(ROLES, space.role)))),
      !["ACTIVE", "OPEN"].includes(space.status) && h("p", { class: "notice" }, "Cet espace n'est pas ouvert : certaines fonctions peuvent être indisponibles.")),
    spaces().length > 1 && h("section", { "aria-labelledby": "spaces-title" },
      h("h2", { id: "spaces-title" }, "Les espaces que vous gérez"),
      h("ul", { class: "spaces" }, spaces().map((s, i) => h("li", {},
        h("span", {}, fullName(s.holder), i === 0 ? " (vous)" : " (représentant légal)"),
        s === space ? h("span", { class: "badge" }, "Affiché")
          : h("button", { type: "button", class: "btn secondary small", onclick: () => switchSpace(i === 0 ? "" : s.space_id) },
            "Afficher l'espace de ", fullName(s.holder)))))),
    h("nav", { "aria-label": "Accès rapide" }, h("ul", { class: "tiles" }, tiles.map(([route, title, text]) =>
      h("li", {}, h("a", { href: `#/${route}`, class: "tile" }, h("strong", {}, title), h("span", {}, text)))))),
  ].filter(Boolean)); // append() would write "false" for the sections left out
}

async function historyView(view) {
  let cursor = null;
  const tbody = h("tbody");
  const status = h("p", { role: "status", class: "hint" });
  const more = h("button", { type: "button", class: "btn secondary", hidden: true, onclick: load }, "Afficher les accès plus anciens");
  view.append(h("h1", { tabindex: -1 }, "Historique des accès"),
    h("p", { class: "lead" }, "Chaque consultation ou modification de cet espace santé est enregistrée ici, de la plus récente à la plus ancienne."),
    h("div", { class: "table-wrap", role: "region", "aria-labelledby": "log-caption", tabindex: 0 },
      h("table", {}, h("caption", { id: "log-caption" }, "Accès à l'espace santé"),
        h("thead", {}, h("tr", {}, ["Date et heure", "Qui", "Rôle", "Action", "Élément concerné"].map((t) => h("th", { scope: "col" }, t)))),
        tbody)),
    status, more);
  await load();

  async function load() {
    status.textContent = "Chargement de l'historique…";
    more.disabled = true;
    try {
      const page = await api(`/me/access-log${query({ limit: 50, cursor })}`);
      for (const e of page.items ?? []) {
        tbody.append(h("tr", {},
          h("td", {}, fmtDateTime(e.at)),
          h("td", {}, e.actor?.display_name ?? "—", h("span", { class: "meta block" }, label(KINDS, e.actor?.kind)),
            e.via && h("span", { class: "meta block" }, `via le logiciel ${e.via}`),
            e.emergency_reason && h("span", { class: "meta block" }, `Urgence : ${e.emergency_reason}`)),
          h("td", {}, label(ROLES, e.role)),
          h("td", {}, label(ACTIONS, e.action)),
          h("td", {}, label(OBJECTS, e.object?.type))));
      }
      cursor = page.next_cursor ?? null;
      more.hidden = !cursor;
      const n = tbody.children.length;
      status.textContent = n === 0 ? "Aucun accès enregistré pour l'instant." : `${n} accès affiché${n > 1 ? "s" : ""}.`;
    } catch (err) {
      status.textContent = "";
      notify(err.message, "error");
    } finally {
      more.disabled = false;
    }
  }
}

onUnauthorized(() => {
  state.me = null;
  render();
  notify(SESSION_EXPIRED, "error");
});
window.addEventListener("hashchange", () => {
  if (!location.hash.startsWith("#/")) return;
  focusHeading = true;
  render();
});
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  document.getElementById("main").focus();
});
render();
