// The settings page's lifecycle sections (issue 12), beside closing (settings.js): my data (the
// way to #/mes-donnees), deleting the space now (POST /me/deletion), asking a closed space back
// (POST /enrollment/space-requests); and the calm cards every page shows while a space is being
// restored or deleted. Each confirmed by ticking a box, usable with the keyboard alone.
import { api } from "./api.js";
import { exportLink } from "./export.js";
import { fmtDate, has, t } from "./i18n.js";
import { confirmed, failed, h, notify, section } from "./ui.js";

// What may be deleted (lifecycle.deletions.DELETABLE) and what may be asked back (an archived
// space reopens; a space still being archived answers 409: "try again later").
const DELETABLE = ["ACTIVE", "CLOSED", "ARCHIVED"];
const REOPENABLE = ["CLOSED", "ARCHIVED"];
export const DELETED = ["DELETING", "DELETED", "PURGED"];
// The server's promise while a deletion runs (lifecycle.deletion): done within a day, then the
// database's backups (35 days) are the last copy.
const DELETION_DAYS = 1;
const BACKUP_DAYS = 35;

// The represented person's first name (null: the person's own space): lifecycle.child.<key>
// says it of them where the catalogue has it.
let child = null;
const say = (key, params = {}) => (child !== null && has(`lifecycle.child.${key}`)
  ? t(`lifecycle.child.${key}`, { ...params, child }) : t(`lifecycle.${key}`, params));

/** "My data": a copy of the whole file and the medical summary, on #/mes-donnees (open spaces). */
export function myDataSection(state, ctx) {
  child = ctx.child ?? null;
  if (state.status !== "ACTIVE") return null;
  return section("settings-my-data", t("lifecycle.myData.title"),
    h("p", {}, say("myData.what")),
    h("p", {}, t("lifecycle.myData.summary")),
    h("p", {}, exportLink()));
}

/** "Delete my space now": instead of ten years of archive, for an open, closed or archived space. */
export function deleteSection(state, ctx) {
  child = ctx.child ?? null;
  if (!DELETABLE.includes(state.status)) return null;
  const gone = new Date();
  gone.setDate(gone.getDate() + DELETION_DAYS + BACKUP_DAYS);
  const form = confirmed(say("delete.understood"), say("delete.submit"), t("lifecycle.delete.tickFirst"), async (error) => {
    let answer;
    try {
      answer = await api("/me/deletion", { method: "POST", body: { confirm: "DELETE" } });
    } catch (err) {
      if (err.code === "REAUTHENTICATION_REQUIRED") {
        return failed(error, t("lifecycle.delete.signInAgain"),
          h("button", { type: "button", class: "btn", onclick: () => ctx.signInAgain() }, t("lifecycle.signInButton")));
      }
      const why = { FORBIDDEN: "lifecycle.delete.forbidden", CONFLICT: "lifecycle.delete.notNow" }[err.code];
      return failed(error, why ? t(why) : err.message);
    }
    await ctx.deleted(answer);
  });
  return section("settings-delete", say("delete.title"),
    h("p", {}, say("delete.intro")),
    h("ul", { class: "steps" },
      h("li", {}, t("lifecycle.delete.key")),
      h("li", {}, t("lifecycle.delete.day")),
      h("li", {}, t("lifecycle.delete.backups", { date: fmtDate(gone.toISOString()) })),
      h("li", {}, t("lifecycle.delete.final"))),
    h("p", {}, t("lifecycle.delete.confirmation")),
    state.status === "ACTIVE" && h("p", {}, t("lifecycle.delete.copyFirst"), " ", exportLink()),
    form);
}

/** "Reopen my space": a closed space asked for again (its holder only), back within a day. */
export function reopenSection(state, ctx) {
  child = ctx.child ?? null;
  if (!REOPENABLE.includes(state.status)) return null;
  if (child !== null) return section("settings-reopen", say("reopen.title"), h("p", {}, say("reopen.call")));
  const form = confirmed(t("lifecycle.reopen.understood"), t("lifecycle.reopen.submit"), t("lifecycle.reopen.tickFirst"), async (error) => {
    try {
      await api("/enrollment/space-requests", { method: "POST", space: null });
    } catch (err) {
      return failed(error, err.status === 409 ? t("lifecycle.reopen.later") : err.message);
    }
    notify(t("lifecycle.reopen.asked"), "success");
    await ctx.closed();
  });
  return section("settings-reopen", t("lifecycle.reopen.title"),
    h("p", {}, t("lifecycle.reopen.what")),
    h("ul", { class: "steps" },
      h("li", {}, t("lifecycle.reopen.back")),
      h("li", {}, t("lifecycle.reopen.time")),
      h("li", {}, t("lifecycle.reopen.doctors"))),
    form);
}

/** While the archive comes back (REOPENING): what is happening, and a way to look again. */
export const restoringParts = (ctx) => [
  h("p", {}, t("lifecycle.restoring.what")),
  h("p", {}, t("lifecycle.restoring.time")),
  h("div", { class: "actions" },
    h("button", { type: "button", class: "btn secondary", onclick: () => ctx.closed() }, t("lifecycle.restoring.check"))),
];

/** A space being deleted, or deleted: the date its last copy is gone (GET /me/deletion). */
export async function deletionCard() {
  const card = h("div", { class: "card" }, h("p", {}, t("lifecycle.deleting.what")));
  try {
    const state = await api("/me/deletion");
    if (state.last_copy_gone_by) card.append(h("p", {}, t("lifecycle.deleting.gone", { date: fmtDate(state.last_copy_gone_by) })));
  } catch {
    // The dates are in the confirmation the person was sent; the page says the rest.
  }
  return card;
}

/** After a deletion is asked: the confirmation; the holder is signed out (their access went
 *  with it), a representative goes back to their own space. */
export function deletedView(view, answer, name, signedOut) {
  child = name ?? null;
  view.replaceChildren(
    h("h1", { tabindex: -1 }, say("deleted.title")),
    h("div", { class: "card", role: "status" },
      h("p", {}, t("lifecycle.deleted.key")),
      h("p", {}, t("lifecycle.deleted.gone", { date: fmtDate(answer?.last_copy_gone_by) })),
      h("p", {}, say("deleted.confirmation")),
      signedOut && h("p", {}, t("lifecycle.deleted.signedOut"))),
    h("p", {}, signedOut ? h("a", { href: "#/connexion" }, t("lifecycle.deleted.signIn"))
      : h("a", { href: "#/accueil" }, t("lifecycle.deleted.home"))));
  view.querySelector("h1").focus();
}

export const titleOf = (status) => (status === "REOPENING" ? "lifecycle.restoring.title"
  : DELETED.includes(status) ? "lifecycle.deleting.title" : null);
