// The reminders before appointments (#/agenda/rappels, linked from the agenda): when to be
// reminded (lead times from the server's menu), by email or SMS (the channels the enrollment's
// contact offers), and whether the prevention calendar may remind too. The message never says
// more than the day and the time: the page says so. Saved with the version read (If-Match).
import { api } from "./api.js";
import { has, t } from "./i18n.js";
import { dismissError, h, isBusy, loadFailed, notify, section, setBusy } from "./ui.js";

export const REMINDERS_ROUTE = "agenda/rappels";

// In a represented person's space (a child's), reminders.child.<key> with {child} where there is one.
let child = null;
const tc = (key, params = {}) => (child !== null && has(`reminders.child.${key}`)
  ? t(`reminders.child.${key}`, { ...params, child }) : t(`reminders.${key}`, params));

/** `ctx`: { child } (the represented person's first name, or null for one's own space). */
export async function remindersView(view, ctx = {}) {
  child = ctx.child ?? null;
  const body = h("div", {}, h("p", { role: "status" }, t("reminders.loading")));
  view.append(h("h1", { tabindex: -1 }, tc("title")),
    h("p", { class: "lead" }, tc("lead")),
    h("p", {}, h("a", { href: "#/agenda" }, t("reminders.back"))),
    body);
  await load();

  async function load() {
    try {
      draw(await api("/me/agenda/reminders"));
    } catch (err) {
      if (err.status === 401) return;
      body.replaceChildren(loadFailed(err, load));
    }
  }

  function draw(settings) {
    body.replaceChildren(form(settings), privacy());
  }

  function form(settings) {
    const offered = settings.channels ?? [];
    const leads = h("fieldset", { class: "checks" },
      h("legend", {}, tc("when")),
      settings.menu.map((lead) => h("label", { class: "block" },
        h("input", { type: "checkbox", name: "lead", value: lead, checked: settings.leads.includes(lead) }),
        " ", t(`reminders.leads.${lead}`))));
    const channel = offered.length
      ? h("fieldset", { class: "checks" },
        h("legend", {}, tc("how")),
        offered.map((code) => h("label", { class: "block" },
          h("input", { type: "radio", name: "channel", value: code, checked: code === settings.channel || offered.length === 1 }),
          " ", t(`reminders.channels.${code}`))))
      : h("p", { class: "notice notice-info" }, tc("noChannel"));
    const prevention = h("label", { class: "check" },
      h("input", { type: "checkbox", name: "prevention", checked: settings.prevention }),
      " ", h("span", {}, tc("prevention"), h("span", { class: "meta block" }, t("reminders.preventionHint"))));
    const save = h("button", { type: "submit", class: "btn" }, t("reminders.save"));
    const error = h("div", { class: "form-error", role: "alert" });
    const element = h("form", { novalidate: true }, error, leads, channel, h("div", { class: "field" }, prevention),
      h("div", { class: "actions" }, save));
    element.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (isBusy(save)) return;
      error.replaceChildren();
      dismissError();
      const chosen = [...element.querySelectorAll("input[name=lead]:checked")].map((box) => box.value);
      const picked = element.querySelector("input[name=channel]:checked")?.value ?? settings.channel;
      const payload = { leads: chosen, channel: picked, prevention: element.querySelector("input[name=prevention]").checked };
      setBusy(save, true);
      try {
        const saved = await api("/me/agenda/reminders", { method: "PUT", body: payload, version: settings.version });
        draw(saved);
        body.querySelector("button[type=submit]")?.focus(); // where the keyboard was
        notify(saved.leads.length ? tc("saved", { count: saved.leads.length }) : tc("savedNone"), "success");
      } catch (err) {
        if (err.status === 412) {
          await load();
          return notify(t("reminders.conflict"), "error");
        }
        error.append(h("p", {}, err.message));
      } finally {
        setBusy(save, false);
      }
    });
    return section("reminders-settings", tc("settings"), element);
  }

  function privacy() {
    return section("reminders-privacy", t("reminders.privacyTitle"),
      h("p", {}, t("reminders.privacy")),
      h("p", { class: "meta" }, t("reminders.sample")));
  }
}
