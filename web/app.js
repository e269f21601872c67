// Shell of the site: hash router, login, space switcher, home (what is new, what to do next).
import { firstSignInView, forgottenPasswordView } from "./accounts.js";
import { api, endSession, markActive, onSpaceChanged, onUnauthorized, session, watchSession } from "./api.js";
import { finishFranceConnect, offersFranceConnect, signIn, startFranceConnect } from "./auth.js";
import { agendaView } from "./agenda.js";
import { careView } from "./care.js";
import { categoryLabel, documentsView } from "./documents.js";
import { activationView, helpView, newCodeView, oppositionView } from "./enrollment.js";
import { exportView } from "./export.js";
import { historyView } from "./history.js";
import { PREVENTION_ROUTE, preventionView } from "./prevention.js";
import { fmtDate, fmtDateTime, otherLanguage, speakOf, t, ts, useLanguage } from "./i18n.js";
import { professionLabel } from "./people.js";
import { profileView } from "./profile.js";
import { REMINDERS_ROUTE, remindersView } from "./reminders.js";
import { deletedView } from "./lifecycle.js";
import { closedTitle, closedView, isClosed, isSuspended, settingsView } from "./settings.js";
import { h, field, fullName, notify, dismissError, isBusy, loadFailed, setBusy } from "./ui.js";

const ROUTES = { accueil: homeView, documents: documentsView, profil: profileView, historique: historyView, acces: careView, aide: helpView,
  agenda: agendaView,
  parametres: (view) => settingsView(view, lifeContext()),
  "mes-donnees": exportView,
  [PREVENTION_ROUTE]: preventionView,
  [REMINDERS_ROUTE]: (view) => remindersView(view, { child: childName() }) };
// What a closed or suspended space still shows (every other page says it is closed: settings.js).
const WHEN_CLOSED = ["parametres", "aide"];
// Without signing in: the sign-in page, and what people without a space yet can do.
const PUBLIC = { connexion: loginView, opposition: oppositionView, activation: activationView, "nouveau-code": newCodeView, aide: helpView,
  "premiere-connexion": firstSignInView, "mot-de-passe-oublie": forgottenPasswordView };
// Pages whose title is not in the menu's words (nav.*).
const TITLES = { "premiere-connexion": "accounts.first.title", "mot-de-passe-oublie": "accounts.forgotten.title", parametres: "settings.title",
  "mes-donnees": "export.title", [PREVENTION_ROUTE]: "prevention.title", [REMINDERS_ROUTE]: "reminders.title" };
// The page asked for: the hash's first segment, or its first two where a page has them (#/agenda/rappels).
function asked() {
  if (!location.hash.startsWith("#/")) return "";
  const [first, second] = location.hash.slice(2).split("?")[0].split("/");
  return second && Object.hasOwn(ROUTES, `${first}/${second}`) ? `${first}/${second}` : first;
}

const state = { me: null };
let focusHeading = false;

// The first name of the represented person whose space is shown; null for one's own.
const childName = () => (currentSpace() === state.me?.space ? null : currentSpace()?.holder?.given_name ?? fullName(currentSpace()?.holder));
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
    speakOf(null);
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
      // Whatever failed, the person can try again or leave (a shared computer).
      view.replaceChildren(h("h1", { tabindex: -1 }, t("shell.unavailable")),
        h("p", {}, t("shell.notLoaded")),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "btn", onclick: render }, t("shell.retry")),
          h("button", { type: "button", class: "btn secondary", onclick: logout }, t("shell.signOut"))));
      return notify(err.message, "error");
    }
    view.replaceChildren();
    if (!currentSpace()) session.setSpace(null);
  }
  const shown = currentSpace();
  speakOf(shown === state.me.space ? null : shown?.holder?.given_name ?? fullName(shown?.holder));
  nav.hidden = false;
  renderAccount();
  const name = Object.hasOwn(ROUTES, asked()) ? asked() : "accueil";
  const closed = (isClosed(shown) || isSuspended(shown)) && !WHEN_CLOSED.includes(name);
  const title = closed ? closedTitle(shown) : TITLES[name] ?? `nav.${name}`;
  document.title = t("shell.title", { page: ts(title) });
  for (const a of nav.querySelectorAll("a")) {
    a.textContent = ts(a.dataset.text); // "Documents de Léa" in her space
    if (a.getAttribute("href") === `#/${name.split("/")[0]}`) a.setAttribute("aria-current", "page"); // the agenda's pages too
    else a.removeAttribute("aria-current");
  }
  const done = closed ? closedView(view, shown, lifeContext()) : ROUTES[name](view); // views write their <h1> synchronously
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

/** The space changed under the page (closed here or elsewhere, suspended): GET /me again. */
async function reloadSpaces() {
  state.me = null;
  focusHeading = true;
  await render();
}

/** What the settings page and the closed page act with (settings.js, lifecycle.js). */
const lifeContext = () => ({ space: currentSpace(), child: childName(), closed: reloadSpaces, signInAgain, deleted });

/** A deletion asked for: the space is gone for whoever held it. The holder is signed out (their
 *  access went with it) and reads the confirmation; a representative is back on their own space. */
async function deleted(answer) {
  const own = currentSpace() === state.me?.space;
  const name = childName();
  state.me = null;
  session.setSpace(null);
  const ended = own ? endSession() : null;
  if (own) {
    document.getElementById("nav").hidden = true;
    renderAccount();
  }
  const view = h("div");
  document.getElementById("view").replaceChildren(view);
  deletedView(view, answer, name, own);
  document.title = t("shell.title", { page: view.querySelector("h1").textContent });
  await ended;
}

/** Closing asks for a recent sign-in: sign out, then back to the same page once signed in. */
async function signInAgain() {
  await endSession();
  state.me = null;
  focusHeading = true;
  render();
}

async function logout() {
  const ended = endSession();
  state.me = null;
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
    if (isBusy(submit)) return;
    error.replaceChildren();
    dismissError();
    if (!username || !password) return error.append(h("p", {}, t("login.missing")));
    setBusy(submit, true);
    try {
      session.setTokens(await signIn(username, password));
      session.setSpace(null);
      if (!Object.hasOwn(ROUTES, asked())) history.replaceState(null, "", "#/accueil");
      focusHeading = true;
      render();
    } catch (err) {
      error.append(h("p", {}, err.message));
    } finally {
      setBusy(submit, false);
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

// What each next step of GET /me/news leads to.
const STEPS = { REVIEW_EMERGENCY_ACCESS: "historique", CHOOSE_TREATING_DOCTOR: "acces", FILL_PROFILE: "profil", ADD_CONTACT: "profil" };

/** Home: what is new since the last visit (on any device: the server keeps the visit), what to
 *  do next, and the way to each page. Nothing the person already knows (their name, birth date). */
async function homeView(view) {
  const me = state.me;
  const space = currentSpace();
  const own = space === me.space;
  const tiles = ["documents", "profil", "historique", "acces"];
  const news = h("section", { class: "card", "aria-labelledby": "news-title" });
  const steps = h("section", { class: "card", "aria-labelledby": "steps-title", hidden: true });
  view.append(...[
    h("h1", { tabindex: -1 }, own ? t("home.hello", { name: me.space.holder?.given_name ?? "" }).trim()
      : t("child.home.title", { child: space.holder?.given_name ?? fullName(space.holder) })),
    !own && h("p", { class: "lead" }, t("child.home.represented", { child: space.holder?.given_name ?? fullName(space.holder) })),
    !["ACTIVE", "OPEN"].includes(space.status) && h("p", { class: "notice" }, t("home.notOpen")),
    news, steps,
    h("nav", { "aria-label": t("home.quick") }, h("ul", { class: "tiles" }, tiles.map((route) =>
      h("li", {}, h("a", { href: `#/${route}`, class: "tile" }, h("strong", {}, ts(`nav.${route}`)), h("span", {}, ts(`home.tiles.${route}`))))))),
  ].filter(Boolean)); // append() would write "false" for the parts left out
  await load();

  async function load() {
    news.replaceChildren(h("h2", { id: "news-title" }, t("news.title")), h("p", { role: "status" }, t("news.loading")));
    try {
      draw(await api("/me/news"));
    } catch (err) {
      if (err.status === 401) return;
      news.replaceChildren(h("h2", { id: "news-title" }, t("news.title")), loadFailed(err, load));
    }
  }

  function draw(digest) {
    news.replaceChildren(...[
      h("h2", { id: "news-title" }, t(digest.first_visit ? "news.titleFirst" : "news.title")),
      !digest.first_visit && h("p", { class: "hint" }, t("news.lastVisit", { date: fmtDateTime(digest.since) })),
      accesses(digest.accesses ?? []),
      documents(digest),
      !digest.complete && h("p", {}, t("news.incomplete"), " ", h("a", { href: "#/historique" }, t("news.seeHistory"))),
    ].filter(Boolean));
    const known = (digest.next_steps ?? []).filter((code) => Object.hasOwn(STEPS, code));
    steps.replaceChildren(h("h2", { id: "steps-title" }, t("news.next")),
      known.length === 0 ? h("p", { class: "empty" }, t("news.nothingToDo"))
        : h("ul", { class: "steps" }, known.map((code) => h("li", {},
          h("a", { href: `#/${STEPS[code]}` }, ts(`news.steps.${code}.action`)),
          h("span", { class: "meta block" }, ts(`news.steps.${code}.why`))))));
    steps.hidden = false;
  }

  /** Professionals who opened the file; break-glass accesses first, said in words, not colour alone. */
  function accesses(list) {
    return h("div", { class: "news-part" },
      h("h3", {}, t("news.accesses")),
      list.length === 0 ? h("p", { class: "empty" }, ts("news.noAccesses"))
        : h("ul", { class: "news-list" }, list.map((a) => {
          const who = a.actor?.professional;
          const name = who?.in_directory ? who.display_name : a.actor?.display_name ?? t("common.unknown");
          const profession = professionLabel(who);
          return h("li", { class: a.emergency ? "emergency" : null },
            a.emergency && h("strong", { class: "emergency-tag" }, t("news.emergency")),
            h("span", { class: "block" }, h("strong", {}, name), profession ? `${t("common.separator")}${profession}` : ""),
            a.emergency && h("span", { class: "block" }, t("news.reason", { reason: a.emergency_reason ?? t("common.unknown") })),
            h("span", { class: "meta block" }, t("news.acts", { count: a.count, date: fmtDateTime(a.last_at) })));
        })),
      list.length > 0 && h("p", {}, h("a", { href: "#/historique" }, t("news.seeHistory"))));
  }

  function documents(digest) {
    const list = digest.documents ?? [];
    return h("div", { class: "news-part" },
      h("h3", {}, t("news.documents")),
      list.length === 0 ? h("p", { class: "empty" }, t("news.noDocuments"))
        : h("ul", { class: "news-list" }, list.map((d) => h("li", {},
          h("strong", { class: "block" }, d.title),
          h("span", { class: "meta block" }, [categoryLabel(d.category), fmtDate(d.document_date)].filter(Boolean).join(t("common.separator"))),
          h("span", { class: "meta block" }, t("news.addedBy", { name: d.author?.display_name ?? t("common.unknown"), date: fmtDate(d.created_at) }))))),
      digest.more_documents && h("p", {}, t("news.moreDocuments")),
      list.length > 0 && h("p", {}, h("a", { href: "#/documents" }, ts("news.seeDocuments"))));
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

onSpaceChanged(() => reloadSpaces());
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
