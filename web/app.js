// Shell of the site: hash router, login, space switcher, home and access history screens.
import { firstSignInView, forgottenPasswordView } from "./accounts.js";
import { api, endSession, markActive, onUnauthorized, query, session, watchSession } from "./api.js";
import { finishFranceConnect, offersFranceConnect, signIn, startFranceConnect } from "./auth.js";
import { careView } from "./care.js";
import { documentsView } from "./documents.js";
import { activationView, helpView, newCodeView, oppositionView } from "./enrollment.js";
import { fmtDate, fmtDateTime, has, otherLanguage, t, useLanguage } from "./i18n.js";
import { profileView } from "./profile.js";
import { SECTIONS } from "./sections.js";
import { h, field, fullName, notify } from "./ui.js";

const ROUTES = { accueil: homeView, documents: documentsView, profil: profileView, historique: historyView, acces: careView, aide: helpView };
// Without signing in: the sign-in page, and what people without a space yet can do.
const PUBLIC = { connexion: loginView, opposition: oppositionView, activation: activationView, "nouveau-code": newCodeView, aide: helpView,
  "premiere-connexion": firstSignInView, "mot-de-passe-oublie": forgottenPasswordView };
// Pages whose title is not in the menu's words (nav.*).
const TITLES = { "premiere-connexion": "accounts.first.title", "mot-de-passe-oublie": "accounts.forgotten.title" };
const asked = () => (location.hash.startsWith("#/") ? location.hash.slice(2).split(/[/?]/)[0] : "");

const state = { me: null };
let focusHeading = false;

/** Label of a code in a catalogue's group: exact match, else the first known word of it
 *  ("DOCUMENT_READ" → actions.read), else the code itself. */
function label(group, code) {
  const keys = [String(code ?? ""), ...String(code ?? "").toLowerCase().split(/[^a-z]+/)].map((k) => `${group}.${k}`);
  const key = keys.find(has);
  return key ? t(key) : String(code ?? t("common.unknown"));
}

/** What an access-log entry is about: "profile/allergies" → "Profil médical : allergies". */
function objectLabel(type) {
  const section = SECTIONS.find((s) => type === s.id || type === `profile/${s.id}`);
  if (section) return t("objects.section", { section: t(`sections.${section.id}.label`).toLowerCase() });
  return label("objects", type);
}

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
    const name = Object.hasOwn(PUBLIC, asked()) ? asked() : "connexion";
    document.title = t("shell.title", { page: t(TITLES[name] ?? `nav.${name}`) });
    const done = PUBLIC[name](view);
    focusTitle(view);
    return done;
  }
  if (!state.me) {
    view.append(h("p", { role: "status" }, t("shell.loadingSpace")));
    try {
      state.me = await api("/me", { space: null });
    } catch (err) {
      if (err.status === 401) return;
      view.replaceChildren(h("h1", { tabindex: -1 }, t("shell.unavailable")),
        h("p", {}, t("shell.notLoaded")), h("button", { type: "button", class: "btn", onclick: render }, t("shell.retry")));
      return notify(err.message, "error");
    }
    view.replaceChildren();
    if (!currentSpace()) session.setSpace(null);
  }
  nav.hidden = false;
  renderAccount();
  const name = Object.hasOwn(ROUTES, asked()) ? asked() : "accueil";
  document.title = t("shell.title", { page: t(`nav.${name}`) });
  for (const a of nav.querySelectorAll("a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const done = ROUTES[name](view); // views write their <h1> synchronously
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
      { value: i === 0 ? "" : s.space_id, selected: s === current }, i === 0 ? t("shell.you", { name: fullName(s.holder) }) : fullName(s.holder))));
    const form = h("form", { class: "switcher", "aria-label": t("shell.switcher") },
      field({ label: t("shell.shownSpace"), control: select }), h("button", { type: "submit", class: "btn secondary small" }, t("shell.show")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      switchSpace(select.value);
    });
    account.append(form);
  } else {
    account.append(h("p", { class: "who" }, fullName(state.me.space.holder)));
  }
  account.append(h("button", { type: "button", class: "btn secondary small", onclick: logout }, t("shell.signOut")));
  if (current !== state.me.space) {
    context.hidden = false;
    context.append(h("p", {}, t("shell.viewing", { name: fullName(current.holder) })));
  }
}

async function switchSpace(id) {
  session.setSpace(id || null);
  focusHeading = true;
  const done = render();
  notify(t("shell.nowViewing", { name: fullName(currentSpace()?.holder) }), "success");
  await done;
}

async function logout() {
  const ended = endSession();
  focusHeading = true;
  render();
  notify(t("shell.signedOut"), "success");
  if (!(await ended)) notify(t("accounts.signOut.notTold"), "error");
}

function loginView(view) {
  const error = h("div", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn" }, t("login.submit"));
  const form = h("form", { class: "card narrow", novalidate: true }, error,
    field({ label: t("login.username"), hint: t("accounts.login.usernameHint"), control: h("input", { name: "username", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true }) }),
    field({ label: t("login.password"), control: h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }) }),
    h("div", { class: "actions" }, submit),
    // No password yet, or forgotten: a code sent where the person's messages go (accounts.js).
    h("ul", { class: "links" },
      h("li", {}, h("a", { href: "#/premiere-connexion" }, t("accounts.login.first"))),
      h("li", {}, h("a", { href: "#/mot-de-passe-oublie" }, t("accounts.login.forgotten")))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    error.replaceChildren();
    if (!username || !password) return error.append(h("p", {}, t("login.missing")));
    submit.disabled = true;
    try {
      session.setTokens(await signIn(username, password));
      session.setSpace(null);
      if (!Object.hasOwn(ROUTES, asked())) history.replaceState(null, "", "#/accueil");
      focusHeading = true;
      render();
    } catch (err) {
      error.append(h("p", {}, err.message));
      submit.disabled = false;
    }
  });
  // A deployed site: FranceConnect first (the national login); its button is FranceConnect's own words.
  offersFranceConnect().then((offered) => {
    if (!offered) return;
    const button = h("button", { type: "button", class: "btn", onclick: () => startFranceConnect() }, t("accounts.franceConnect.button"));
    form.before(h("section", { class: "card narrow", "aria-labelledby": "fc-title" },
      h("h2", { id: "fc-title" }, t("accounts.franceConnect.title")), h("p", {}, t("accounts.franceConnect.lead")), button));
  });
  const links = ["opposition", "activation", "nouveau-code", "aide"];
  const texts = { opposition: "opposition", activation: "activation", "nouveau-code": "newCode", aide: "help" };
  view.append(h("h1", { tabindex: -1 }, t("login.title")), h("p", { class: "lead" }, t("login.lead")), form,
    h("nav", { class: "card narrow", "aria-labelledby": "not-open-title" },
      h("h2", { id: "not-open-title" }, t("login_links.title")),
      h("ul", { class: "links" }, links.map((route) => h("li", {}, h("a", { href: `#/${route}` }, t(`login_links.${texts[route]}`)))))));
}

function homeView(view) {
  const me = state.me;
  const space = currentSpace();
  const own = space === me.space;
  const tiles = ["documents", "profil", "historique", "acces"];
  view.append(...[
    h("h1", { tabindex: -1 }, t("home.hello", { name: me.space.holder?.given_name ?? "" }).trim()),
    h("section", { class: "card", "aria-labelledby": "space-title" },
      h("h2", { id: "space-title" }, own ? t("home.yourSpace") : t("home.spaceOf", { name: fullName(space.holder) })),
      h("dl", { class: "facts" },
        h("div", {}, h("dt", {}, t("home.holder")), h("dd", {}, fullName(space.holder))),
        h("div", {}, h("dt", {}, t("home.birthDate")), h("dd", {}, fmtDate(space.holder?.birth_date))),
        h("div", {}, h("dt", {}, t("home.state")), h("dd", {}, label("status", space.status))),
        h("div", {}, h("dt", {}, t("home.role")), h("dd", {}, label("roles", space.role)))),
      !["ACTIVE", "OPEN"].includes(space.status) && h("p", { class: "notice" }, t("home.notOpen"))),
    spaces().length > 1 && h("section", { "aria-labelledby": "spaces-title" },
      h("h2", { id: "spaces-title" }, t("home.managed")),
      h("ul", { class: "spaces" }, spaces().map((s, i) => h("li", {},
        h("span", {}, fullName(s.holder), " ", i === 0 ? t("home.mine") : t("home.represented")),
        s === space ? h("span", { class: "badge" }, t("home.shown"))
          : h("button", { type: "button", class: "btn secondary small", onclick: () => switchSpace(i === 0 ? "" : s.space_id) },
            t("home.showSpace", { name: fullName(s.holder) })))))),
    h("nav", { "aria-label": t("home.quick") }, h("ul", { class: "tiles" }, tiles.map((route) =>
      h("li", {}, h("a", { href: `#/${route}`, class: "tile" }, h("strong", {}, t(`nav.${route}`)), h("span", {}, t(`home.tiles.${route}`))))))),
  ].filter(Boolean)); // append() would write "false" for the sections left out
}

async function historyView(view) {
  let cursor = null;
  const tbody = h("tbody");
  const status = h("p", { role: "status", class: "hint" });
  const more = h("button", { type: "button", class: "btn secondary", hidden: true, onclick: load }, t("history.more"));
  const columns = ["when", "who", "role", "action", "object"];
  view.append(h("h1", { tabindex: -1 }, t("nav.historique")),
    h("p", { class: "lead" }, t("history.lead")),
    h("div", { class: "table-wrap", role: "region", "aria-labelledby": "log-caption", tabindex: 0 },
      h("table", {}, h("caption", { id: "log-caption" }, t("history.caption")),
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, t(`history.${c}`))))),
        tbody)),
    status, more);
  await load();

  async function load() {
    status.textContent = t("history.loading");
    more.disabled = true;
    try {
      const page = await api(`/me/access-log${query({ limit: 50, cursor })}`);
      for (const e of page.items ?? []) {
        tbody.append(h("tr", {},
          h("td", {}, fmtDateTime(e.at)),
          h("td", {}, e.actor?.display_name ?? t("common.unknown"), h("span", { class: "meta block" }, label("kinds", e.actor?.kind)),
            e.via && h("span", { class: "meta block" }, t("history.via", { software: e.via })),
            e.emergency_reason && h("span", { class: "meta block" }, t("history.emergency", { reason: e.emergency_reason }))),
          h("td", {}, label("roles", e.role)),
          h("td", {}, label("actions", e.action)),
          h("td", {}, objectLabel(e.object?.type))));
      }
      cursor = page.next_cursor ?? null;
      more.hidden = !cursor;
      const n = tbody.children.length;
      status.textContent = n === 0 ? t("history.none") : t("history.count", { count: n });
    } catch (err) {
      status.textContent = "";
      notify(err.message, "error");
    } finally {
      more.disabled = false;
    }
  }
}

/** The page's own words (skip link, brand, menu, footer) and the language switch. */
function renderShell() {
  for (const el of document.querySelectorAll("[data-text]")) el.textContent = t(el.dataset.text);
  for (const el of document.querySelectorAll("[data-label]")) el.setAttribute("aria-label", t(el.dataset.label));
  const other = otherLanguage();
  const button = document.getElementById("language");
  button.lang = other;
  button.textContent = t("shell.language");
  button.onclick = async () => {
    await useLanguage(other);
    renderShell();
    await render();
    notify(t("shell.languageChanged"), "success");
    document.getElementById("language").focus();
  };
}

onUnauthorized(() => {
  state.me = null;
  render();
  notify(t("errors.sessionExpired"), "error");
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
for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, markActive, { passive: true });
watchSession();
await useLanguage();
renderShell();
try {
  const tokens = await finishFranceConnect(); // back from FranceConnect's sign-in, or null
  if (tokens) {
    session.setTokens(tokens);
    session.setSpace(null);
  }
} catch (err) {
  notify(err.message, "error");
}
render();
