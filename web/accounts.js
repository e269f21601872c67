// First sign-in and forgotten password, no sign-in needed: the person asks for a one-time code
// (sent by email, text message or letter, as their other messages), then chooses a password with it.
import { api } from "./api.js";
import { helpline, identityFields, publicFacts, readIdentity } from "./enrollment.js";
import { t } from "./i18n.js";
import { h, field, showErrors, notify } from "./ui.js";

// The patients' pool's policy (template.yaml): checked here so that the person learns it at once.
const MIN_LENGTH = 12;
const strongEnough = (p) => p.length >= MIN_LENGTH && /[a-z]/.test(p) && /[A-Z]/.test(p) && /[0-9]/.test(p) && p === p.trim();

/** The page's message for a refusal of the accounts' routes (their codes are theirs alone). */
function refusal(err) {
  if (err.code === "ACCOUNT_CODE_REFUSED") return t("accounts.errors.codeRefused");
  if (err.code === "WEAK_PASSWORD") return t("accounts.errors.weakPassword");
  return err.message;
}

/** "premiere-connexion" or "mot-de-passe-oublie": the same two steps, in the page's words. */
function passwordView(kind) {
  return async (view) => {
    const step = h("div");
    view.append(h("h1", { tabindex: -1 }, t(`accounts.${kind}.title`)),
      h("p", { class: "lead" }, t(`accounts.${kind}.lead`)), step);
    askCode(step, kind);
    view.append(helpline(await publicFacts(), "phoneHelp.accounts"), h("p", {}, h("a", { href: "#/connexion" }, t("enrollment.back"))));
  };
}

/** Step 1: the identity; the same answer whatever matched. */
function askCode(step, kind) {
  const submit = h("button", { type: "submit", class: "btn" }, t("accounts.ask.submit"));
  const form = h("form", { class: "card narrow", novalidate: true, "aria-labelledby": "ask-title" },
    h("h2", { id: "ask-title" }, t("accounts.ask.title")),
    ...identityFields(),
    h("div", { class: "actions" }, submit));
  const already = h("button", { type: "button", class: "btn secondary", onclick: () => chooseStep(step, null) }, t("accounts.ask.haveCode"));
  step.replaceChildren(form, h("p", {}, already));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const identity = readIdentity(form);
    if (!identity) return;
    submit.disabled = true;
    try {
      await api("/accounts/code-requests", { method: "POST", auth: false, space: null, body: identity });
      chooseStep(step, identity, t(`accounts.${kind}.sent`));
    } catch (err) {
      notify(refusal(err), "error");
      submit.disabled = false;
    }
  });
}

/** Step 2: the code and the new password (twice). */
function chooseStep(step, identity, sent) {
  const error = h("div", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "btn" }, t("accounts.choose.submit"));
  const form = h("form", { class: "card narrow", novalidate: true, "aria-labelledby": "choose-title" },
    h("h2", { id: "choose-title", tabindex: -1 }, t("accounts.choose.title")), error,
    ...identityFields(),
    field({ label: t("accounts.choose.code"), hint: t("accounts.choose.codeHint"), control: h("input", {
      name: "code", autocomplete: "one-time-code", autocapitalize: "characters", spellcheck: "false", maxlength: 20, required: true }) }),
    field({ label: t("accounts.choose.password"), hint: t("accounts.choose.passwordHint", { count: MIN_LENGTH }), control: h("input", {
      name: "password", type: "password", autocomplete: "new-password", maxlength: 256, required: true }) }),
    field({ label: t("accounts.choose.again"), control: h("input", {
      name: "again", type: "password", autocomplete: "new-password", maxlength: 256, required: true }) }),
    h("div", { class: "actions" }, submit));
  if (identity) {
    form.elements.ins.value = identity.ins;
    form.elements.birth_date.value = identity.birth_date;
  }
  step.replaceChildren(...[sent && h("p", { class: "notice notice-success", role: "status" }, sent), form].filter(Boolean));
  form.querySelector("h2").focus();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.replaceChildren();
    const code = form.elements.code.value.trim().toUpperCase();
    const password = form.elements.password.value;
    const again = form.elements.again.value;
    const typed = readIdentity(form, {
      code: code.replace(/[\s-]/g, "").length >= 12 ? "" : t("enrollment.codeInvalid"),
      password: strongEnough(password) ? "" : t("accounts.errors.weakPassword"),
      again: again === password ? "" : t("accounts.errors.different"),
    });
    if (!typed) return;
    submit.disabled = true;
    try {
      await api("/accounts/password", { method: "POST", auth: false, space: null, body: { ...typed, code, password } });
      step.replaceChildren(h("section", { class: "card narrow", "aria-labelledby": "done-title" },
        h("h2", { id: "done-title", tabindex: -1 }, t("accounts.done.title")),
        h("p", {}, t("accounts.done.text")),
        h("p", {}, h("a", { class: "btn", href: "#/connexion" }, t("accounts.done.signIn")))));
      step.querySelector("h2").focus();
      notify(t("accounts.done.title"), "success");
    } catch (err) {
      error.append(h("p", {}, refusal(err)));
      if (err.code === "WEAK_PASSWORD") showErrors(form, { password: t("accounts.errors.weakPassword") });
      submit.disabled = false;
    }
  });
}

export const firstSignInView = passwordView("first");
export const forgottenPasswordView = passwordView("forgotten");
