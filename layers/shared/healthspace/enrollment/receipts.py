"""The proof of a person's decision (opposition or activation), as a one-page PDF."""

from __future__ import annotations

from fpdf import FPDF

from healthspace.enrollment.messages import french_date
from healthspace.enrollment.model import Decision, Receipt


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
