// Pages for people without a space yet, no sign-in needed: oppose the creation of one's space, open
// it now, ask for a new code (the code of the letter or message protects the first two), and help.
import { api, safeUrl } from "./api.js";
import { currentLanguage, fmtDate, fmtDateTime, t } from "./i18n.js";
import { h, field, showErrors, formDialog, notify, today, isBusy, setBusy } from "./ui.js";

let facts = null;
/** How long a code is valid and the helpline's number (GET /enrollment/help), read once. */
export async function publicFacts() {
  facts ??= await api("/enrollment/help", { auth: false, space: null }).catch(() => null);
  return facts;
}

/** The helpline, as a paragraph with a tel: link (the letter's number when the service could not
 * be reached); `text` is the catalogue key of what comes before the number. */
export function helpline(known, text = "enrollment.helpline") {
  const phone = known?.helpline_phone;
  return h("p", { class: "notice" }, t(text), " ",
    phone ? h("a", { href: `tel:${phone.replace(/\s/g, "")}` }, phone) : t("enrollment.helplineUnknown"));
}

const INS_HINT = () => t("enrollment.insHint");
/** The code's validity in days (six weeks in service), in minutes for a short demo window. */
const period = ({ window_seconds: seconds }) => (seconds >= 86400
  ? t("enrollment.days", { count: Math.floor(seconds / 86400) })
  : t("enrollment.minutes", { count: Math.max(1, Math.round(seconds / 60)) }));
/** A deadline as the letter gives it, a day; with its time when the window is shorter (a demo). */
const deadlineText = (deadline, known) => (known && known.window_seconds < 86400 ? fmtDateTime(deadline) : fmtDate(deadline));

/** The identity fields every form asks: the INS (15 digits) and the birth date. */
export function identityFields() {
  return [
    field({ label: t("enrollment.ins"), hint: INS_HINT(), control: h("input", {
      name: "ins", inputmode: "numeric", autocomplete: "off", maxlength: 21, required: true }) }),
    field({ label: t("enrollment.birthDate"), control: h("input", { type: "date", name: "birth_date", max: today(), required: true }) }),
  ];
}

/** The identity typed, or null after showing what is wrong. */
export function readIdentity(form, more = {}) {
  const ins = form.elements.ins.value.replace(/[\s.-]/g, "");
  const birth = form.elements.birth_date.value;
  const errors = {
    ins: /^\d{15}$/.test(ins) ? "" : t("enrollment.insInvalid"),
    birth_date: !birth ? t("enrollment.birthMissing") : birth > today() ? t("upload.future") : "",
    ...more,
  };
  return showErrors(form, errors) ? null : { ins, birth_date: birth };
}

/** The receipt of a decision: what was decided, when, for whom, and its PDF. */
function receiptCard(receipt) {
  const name = [receipt.given_name, receipt.family_name].filter(Boolean).join(" ");
  return h("section", { class: "card", "aria-labelledby": "receipt-title" },
    h("h2", { id: "receipt-title", tabindex: -1 }, t(`enrollment.decided.${receipt.decision}`)),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, t("enrollment.for")), h("dd", {}, name, h("span", { class: "meta block" }, fmtDate(receipt.birth_date)))),
      h("div", {}, h("dt", {}, t("enrollment.when")), h("dd", {}, fmtDateTime(receipt.decided_at))),
      h("div", {}, h("dt", {}, t("enrollment.receiptNumber")), h("dd", {}, receipt.receipt_id))),
    h("p", {}, h("a", { class: "btn", href: safeUrl(receipt.receipt_url), rel: "noopener noreferrer" }, t("enrollment.download"))),
    h("p", { class: "hint" }, t("enrollment.keep")));
}

/** Opposition or early opening: the person's identity and code; once the code is checked, a
 * confirmation saying the date the letter gave (when the space is created); then the receipt. */
function decisionView(kind) {
  return async (view) => {
    const result = h("div");
    const error = h("div", { class: "form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "btn" }, t(`enrollment.${kind}.submit`));
    const form = h("form", { class: "card narrow", novalidate: true, "aria-labelledby": "decision-title" },
      h("h2", { id: "decision-title" }, t("enrollment.yourDetails")), error,
      ...identityFields(),
      field({ label: t("enrollment.code"), hint: t("enrollment.codeHint"), control: h("input", {
        name: "code", autocomplete: "one-time-code", autocapitalize: "characters", spellcheck: "false", maxlength: 20, required: true }) }),
      h("div", { class: "actions" }, submit));
    view.append(h("h1", { tabindex: -1 }, t(`enrollment.${kind}.title`)),
      h("p", { class: "lead" }, t(`enrollment.${kind}.lead`)));
    const known = await publicFacts();
    view.append(h("p", {}, known ? t("enrollment.validity", { period: period(known) }) : t("enrollment.validityUnknown")),
      form, result, helpline(known), h("p", {}, h("a", { href: "#/connexion" }, t("enrollment.back"))));

    /** The confirmation, the deadline of this code's letter in it; the decision once confirmed. */
    const confirm = (body, deadline) => formDialog({
      title: t(`enrollment.${kind}.confirmTitle`), danger: true, submitLabel: t(`enrollment.${kind}.submit`),
      body: [h("p", {}, t(`enrollment.${kind}.confirmText`)),
        h("p", { class: "notice" }, t(`decisionDeadline.${kind}`, { date: deadlineText(deadline, known) }))],
      submit: async () => {
        const receipt = await api(`/enrollment/${kind}`, { method: "POST", auth: false, space: null, body });
        form.remove();
        result.replaceChildren(receiptCard(receipt));
        notify(t(`enrollment.${kind}.done`), "success");
      },
      returnFocus: () => result.querySelector("h2") ?? submit,
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.replaceChildren();
      const code = form.elements.code.value.trim().toUpperCase();
      const identity = readIdentity(form, { code: code.replace(/[\s-]/g, "").length >= 12 ? "" : t("enrollment.codeInvalid") });
      if (!identity || isBusy(submit)) return;
      setBusy(submit, true);
      try {
        // Told only to whoever holds the right code; a wrong one counts as a failed attempt.
        const { deadline } = await api("/enrollment/code-checks", { method: "POST", auth: false, space: null, body: { ...identity, code } });
        confirm({ ...identity, code }, deadline);
      } catch (err) {
        error.replaceChildren(h("p", {}, err.message));
      } finally {
        setBusy(submit, false);
      }
    });
  };
}

export const oppositionView = decisionView("opposition");
export const activationView = decisionView("activation");

/** How long a new code is valid: until the first one's date (the enrollment's deadline, never
 * shown here: it would tell anyone whether a person is enrolled). */
const newCodeValidity = (known) => (known ? t("lostCode.validity", { period: period(known) }) : t("lostCode.validityUnknown"));

/** The receipt of a request for a new code: the same whatever matched (when, its reference). */
function requestCard(request, known) {
  return h("section", { class: "card", "aria-labelledby": "request-title" },
    h("h2", { id: "request-title", tabindex: -1 }, t("lostCode.receivedTitle")),
    h("p", { class: "notice notice-success", role: "status" }, t("enrollment.newCode.done")),
    h("dl", { class: "facts" },
      h("div", {}, h("dt", {}, t("lostCode.receivedAt")), h("dd", {}, fmtDateTime(request.received_at))),
      h("div", {}, h("dt", {}, t("lostCode.reference")), h("dd", {}, request.request_id))),
    h("p", {}, t("lostCode.next")),
    h("p", {}, newCodeValidity(known)),
    h("p", {}, h("a", { class: "btn", href: safeUrl(request.receipt_url), rel: "noopener noreferrer" }, t("lostCode.download"))),
    h("p", { class: "hint" }, t("lostCode.keep")),
    h("p", {}, t("lostCode.then"), " ", h("a", { href: "#/opposition" }, t("login_links.opposition")), " ",
      t("lostCode.or"), " ", h("a", { href: "#/activation" }, t("login_links.activation")), "."));
}

/** A lost code: the identity and a second factor; the same answer whatever matched, and its receipt. */
export async function newCodeView(view) {
  const submit = h("button", { type: "submit", class: "btn" }, t("enrollment.newCode.submit"));
  const form = h("form", { class: "card narrow", novalidate: true, "aria-labelledby": "code-title" },
    h("h2", { id: "code-title" }, t("enrollment.yourDetails")),
    ...identityFields(),
    field({ label: t("enrollment.secondFactor"), hint: t("enrollment.secondFactorHint"), control: h("input", {
      name: "second_factor", inputmode: "numeric", autocomplete: "off", maxlength: 5, required: true }) }),
    h("div", { class: "actions" }, submit));
  view.append(h("h1", { tabindex: -1 }, t("enrollment.newCode.title")), h("p", { class: "lead" }, t("enrollment.newCode.lead")));
  const known = await publicFacts();
  view.append(h("p", {}, newCodeValidity(known)), form, helpline(known), h("p", {}, h("a", { href: "#/connexion" }, t("enrollment.back"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const factor = form.elements.second_factor.value.trim();
    const identity = readIdentity(form, { second_factor: /^\d{4,5}$/.test(factor) ? "" : t("enrollment.secondFactorInvalid") });
    if (!identity || isBusy(submit)) return;
    setBusy(submit, true);
    try {
      const body = { ...identity, second_factor: factor, language: currentLanguage() };
      const request = await api("/enrollment/code-requests", { method: "POST", auth: false, space: null, body });
      const card = requestCard(request, known);
      form.replaceWith(card);
      card.querySelector("h2").focus();
    } catch (err) {
      notify(err.message, "error");
    } finally {
      setBusy(submit, false);
    }
  });
}

/** Help: what the space is, who sees what, how to oppose or close it, whom to call. */
export async function helpView(view) {
  const topics = ["what", "who", "oppose", "close", "data"];
  view.append(h("h1", { tabindex: -1 }, t("help.title")), h("p", { class: "lead" }, t("help.lead")),
    ...topics.map((topic) => h("section", { class: "card", "aria-labelledby": `help-${topic}` },
      h("h2", { id: `help-${topic}` }, t(`help.${topic}.title`)), h("p", {}, t(`help.${topic}.text`)))));
  view.append(helpline(await publicFacts()));
}
