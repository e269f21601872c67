"""The proof of a person's decision (opposition or activation), and of a request for a new
code, as one-page PDFs."""

from __future__ import annotations

from datetime import timedelta

from fpdf import FPDF

from healthspace.enrollment.messages import french_date, paris_time
from healthspace.enrollment.model import CodeRequestReceipt, Decision, Receipt


def render_receipt(receipt: Receipt) -> bytes:
    decided = {
        Decision.OPPOSED: "Votre opposition à la création de votre espace santé est enregistrée. "
        "Aucun espace ne sera créé pour vous. Vous pourrez en demander un plus tard si vous "
        "changez d'avis.",
        Decision.ACTIVE: "Votre espace santé est ouvert. Vous pouvez vous y connecter dès "
        "maintenant.",
    }[receipt.decision]
    pdf = FPDF()
    pdf.set_title("Justificatif")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    title = (
        "Justificatif d'opposition"
        if receipt.decision is Decision.OPPOSED
        else ("Justificatif d'activation")
    )
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    lines = (
        f"{receipt.given_name} {receipt.family_name}, né(e) le {french_date(receipt.birth_date)}",
        f"Décision enregistrée le {french_date(receipt.decided_at)} à "
        f"{receipt.decided_at:%H:%M} (UTC)"
        + (
            " par téléphone, auprès de nos conseillers."
            if receipt.decided_by == "helpline"
            else "."
        ),
        "",
        decided,
        "",
        f"Référence du justificatif : {receipt.receipt_id}",
    )
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


_ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _period(window: timedelta, language: str) -> str:
    """The code's validity in days (six weeks in service), in minutes for a short demo window."""
    days = window.days
    if days:
        return f"{days} jours" if language == "fr" else f"{days} days"
    minutes = max(1, round(window.total_seconds() / 60))
    return f"{minutes} minutes"


def render_code_request(
    request: CodeRequestReceipt, window: timedelta, helpline_phone: str
) -> bytes:
    """The receipt of a request for a new code: what was asked, when, and what happens next.
    Made from the request and the service's public facts only, never from what matched (the
    same bytes for everyone asking at the same moment): it reveals nobody's enrollment."""
    local = paris_time(request.received_at)
    period = _period(window, request.language)
    phone = helpline_phone or None
    if request.language == "fr":
        title = "Accusé de réception : demande d'un nouveau code"
        lines = (
            f"Demande reçue le {french_date(local.date())} à {local:%H:%M} (heure de Paris).",
            f"Référence de la demande : {request.request_id}",
            "",
            "Ce document prouve que votre demande a bien été reçue. Il ne dit pas si les "
            "informations données correspondent à une personne : pour protéger chacun, la "
            "réponse est la même dans tous les cas.",
            "",
            "Si elles correspondent à une personne dont l'espace santé attend sa création, un "
            "nouveau code lui est envoyé par le même moyen que le premier, aux coordonnées que "
            "nous connaissons : par courriel ou SMS dans les minutes qui suivent, par courrier "
            "dans le délai d'acheminement de la poste (quelques jours).",
            "",
            "Le nouveau code remplace l'ancien, qui ne fonctionne plus. Il est valable jusqu'à la "
            "même date que l'ancien : la date de création de l'espace écrite dans le premier "
            f"courrier ou message, {period} après son envoi.",
            "",
            f"Rien reçu, ou vous préférez téléphoner ? Appelez le {phone} : un conseiller peut "
            "faire la démarche pour vous."
            if phone
            else "Rien reçu, ou vous préférez téléphoner ? Appelez le numéro écrit dans votre "
            "courrier : un conseiller peut faire la démarche pour vous.",
            "Personne ne vous demandera jamais votre code par téléphone.",
        )
    else:
        when = f"{local.day} {_ENGLISH_MONTHS[local.month - 1]} {local.year}"
        title = "Receipt: request for a new code"
        lines = (
            f"Request received on {when} at {local:%H:%M} (Paris time).",
            f"Request reference: {request.request_id}",
            "",
            "This document proves that your request was received. It does not say whether the "
            "details given match anyone: to protect everyone, the answer is the same in every "
            "case.",
            "",
            "If they match a person whose health space is waiting to be created, a new code is "
            "sent to them the same way as the first one, to the contact details we hold: within "
            "minutes by email or text message, by letter in the time the post takes (a few "
            "days).",
            "",
            "The new code replaces the old one, which no longer works. It is valid until the same "
            "date as the old one: the date the space is to be created, written in the first "
            f"letter or message, {period} after it was sent.",
            "",
            f"Nothing received, or would you rather call? Call {phone}: an adviser can do this "
            "for you."
            if phone
            else "Nothing received, or would you rather call? Call the number written in your "
            "letter: an adviser can do this for you.",
            "Nobody will ever ask you for your code by phone.",
        )
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_lang(request.language)
    pdf.set_creation_date(request.received_at)  # not the rendering's time: same bytes
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
