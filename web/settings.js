// The settings page (#/parametres): what the space is and its status, and what can be done with
// it; and the calm page every other page shows once the space is closed or suspended.
//
// The page is a list of sections (SECTIONS): each takes the space's state (GET /me/closure) and
// the page's context, and returns its <section> or null. Issue 12's others are in lifecycle.js:
// my data (the export and the International Patient Summary, on #/mes-donnees), reopening a
// closed space, express deletion.
import { api } from "./api.js";
import { fmtDate, has, t } from "./i18n.js";
import { confirmed, failed, fullName, h, loadFailed, notify, section } from "./ui.js";
import { DELETED, deleteSection, deletionCard, myDataSection, reopenSection, restoringParts, titleOf } from "./lifecycle.js";

// Every status a closed space goes through (records.model.SpaceStatus.closed).
const CLOSED = ["CLOSED", "ARCHIVED", "REOPENING", "DELETING", "DELETED", "PURGED"];
export const isClosed = (space) => CLOSED.includes(space?.status);
export const isSuspended = (space) => space?.status === "SUSPENDED";
// Where a person keeps a copy of their data, or asks for their space back (issue 12).
export const MY_DATA = "#/mes-donnees";

export const SECTIONS = [
  aboutSection,
  myDataSection, // "give me all my data" and the IPS, on #/mes-donnees
  closeSection,
  reopenSection, // a closed space asked for again
  deleteSection, // express deletion, instead of ten years of archive
];

// The name of the represented person whose space is shown (null: the person's own space), and
// the words said of it: settings.child.<key> with {child} when there is one.
let child = null;
const ts = (key, params = {}) => (child !== null && has(`settings.child.${key.slice(9)}`)
  ? t(`settings.child.${key.slice(9)}`, { ...params, child }) : t(key, params));

/** `ctx`: { space (GET /me's), child (the represented person's first name, or null), closed()
 *  (the space was closed or is being reopened: the shell reloads), signInAgain(), deleted(answer)
 *  (its deletion asked: the shell says so, and signs the holder out) }. */
export async function settingsView(view, ctx) {
  child = ctx.child ?? null;
  const body = h("div", {}, h("p", { role: "status" }, t("settings.loading")));
  view.append(h("h1", { tabindex: -1 }, t("settings.title")), h("p", { class: "lead" }, ts("settings.lead")), body);
  await load();

  async function load() {
    let state;
    try {
      state = await api("/me/closure");
    } catch (err) {
      if (err.status === 401) return;
      return body.replaceChildren(loadFailed(err, load));
    }
    body.replaceChildren(...SECTIONS.map((section) => section(state, ctx)).filter(Boolean));
  }
}

function aboutSection(state, { space }) {
  const status = t(`settings.status.${state.status}`);
  return section("settings-about", ts("settings.about.title"),
    h("p", {}, ts("settings.about.what")),
    h("dl", { class: "facts" },
      h("dt", {}, t("settings.about.holder")), h("dd", {}, fullName(space?.holder)),
      h("dt", {}, t("settings.about.status")), h("dd", {}, status.startsWith("settings.") ? state.status : status)));
}

function closeSection(state, ctx) {
  const title = ts("settings.close.title");
  if (state.status === "REOPENING") return section("settings-close", t("lifecycle.restoring.title"), ...restoringParts(ctx));
  if (DELETED.includes(state.status)) return null;
  if (isClosed(state)) return section("settings-close", title, ...closureFacts(state));
  if (state.status !== "ACTIVE") return section("settings-close", title, h("p", {}, t("settings.close.notNow")));
  const until = new Date();
  until.setFullYear(until.getFullYear() + 10);
  const form = confirmed(ts("settings.close.understood"), ts("settings.close.submit"), t("settings.close.tickFirst"), async (error) => {
    try {
      await api("/me/closure", { method: "POST", body: { confirm: "CLOSE" } });
    } catch (err) {
      if (err.code === "REAUTHENTICATION_REQUIRED") {
        return failed(error, t("settings.close.signInAgain"),
          h("button", { type: "button", class: "btn", onclick: () => ctx.signInAgain() }, t("settings.close.signInButton")));
      }
      return failed(error, err.code === "FORBIDDEN" ? t("settings.close.forbidden") : err.message);
    }
    notify(ts("settings.close.done"), "success");
    await ctx.closed();
  });
  return section("settings-close", title,
    h("p", {}, ts("settings.close.intro")),
    h("ul", { class: "steps" },
      h("li", {}, ts("settings.close.atOnce")),
      h("li", {}, t("settings.close.kept", { date: fmtDate(until.toISOString()) })),
      h("li", {}, t("settings.close.reopen")),
      h("li", {}, t("settings.close.deleted"))),
    h("p", {}, t("settings.close.copyFirst"), " ", h("a", { href: MY_DATA }, t("settings.myData"))),
    form);
}

/** When it closed, why, until when it is kept; how to get it back or keep a copy. */
function closureFacts(state) {
  const reason = t(`settings.reason.${state.reason}`);
  return [
    h("p", {}, t("settings.closed.since", { date: fmtDate(state.closed_at) }), " ", reason.startsWith("settings.") ? "" : reason),
    h("p", {}, t("settings.closed.kept", { date: fmtDate(state.purge_after) })),
  ];
}

/** The title of what every page shows once the space is closed, suspended, being restored or deleted. */
export const closedTitle = (space) => (isSuspended(space) ? "settings.suspended.title" : titleOf(space?.status) ?? "settings.closed.title");

/** What every page shows once the space is closed, or suspended by the Assurance Maladie; being
 *  restored, or deleted. `ctx` as settingsView's. */
export async function closedView(view, space, ctx) {
  const name = ctx.child ?? null;
  child = name;
  if (isSuspended(space)) {
    view.append(h("h1", { tabindex: -1 }, ts("settings.suspended.title")),
      h("div", { class: "card" }, h("p", {}, ts("settings.suspended.what")),
        h("p", {}, t("settings.suspended.call"), " ", h("a", { href: "#/aide" }, t("settings.suspended.help")))));
    return;
  }
  if (space?.status === "REOPENING") {
    view.append(h("h1", { tabindex: -1 }, t("lifecycle.restoring.title")), h("div", { class: "card" }, ...restoringParts(ctx)));
    return;
  }
  if (DELETED.includes(space?.status)) {
    view.append(h("h1", { tabindex: -1 }, t("lifecycle.deleting.title")));
    view.append(await deletionCard());
    return;
  }
  const card = h("div", { class: "card" }, h("p", { role: "status" }, t("settings.loading")));
  view.append(h("h1", { tabindex: -1 }, ts("settings.closed.title")), card);
  try {
    const state = await api("/me/closure");
    card.replaceChildren(h("p", {}, ts("settings.closed.nobody")), ...closureFacts(state),
      h("p", {}, h("a", { href: "#/parametres" }, t("settings.title"))));
    // A person who closed may ask for their space back, or for its deletion, from any page.
    view.append(...[reopenSection(state, ctx), deleteSection(state, ctx)].filter(Boolean));
  } catch (err) {
    if (err.status !== 401) card.replaceChildren(loadFailed(err, () => closedView(view.replaceChildren() ?? view, space, ctx)));
  }
}
