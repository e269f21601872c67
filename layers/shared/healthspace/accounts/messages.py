"""The message carrying an account's one-time code, by email, SMS or letter: plain French,
short, no health data, no INS; and that nobody will ever ask for the code by phone."""

from __future__ import annotations

from datetime import datetime

from healthspace.enrollment.messages import (
    SENDER_NAME,
    SMS_MAX_SEGMENTS,
    Message,
    MessageSettings,
    french_date,
    sms_segments,
    to_gsm7,
)
from healthspace.enrollment.model import Channel, Enrollment

SUBJECT = "Votre code pour choisir votre mot de passe"


def account_code_message(
    enrollment: Enrollment,
    code: str,
    valid_until: datetime,
    channel: Channel,
    settings: MessageSettings,
) -> Message:
    """The code, until when it is valid, where to use it, and what to do if one did not ask."""
    url = settings.public_site_url.rstrip("/")
    short = url.removeprefix("https://").removeprefix("http://")
    until = french_date(valid_until)
    if channel is Channel.SMS:
        candidates = [
            f"Assurance Maladie : votre code pour choisir le mot de passe de votre espace santé "
            f"est {code}, valable jusqu'au {until}. Sur {short}, « Première connexion » ou "
            "« Mot de passe oublié ». Ne le donnez à personne.",
            f"Espace santé : code {code}, valable jusqu'au {until}, sur {short}. "
            "Ne le donnez à personne.",
        ]
        folded = [to_gsm7(text) for text in candidates]
        body = next((t for t in folded if sms_segments(t) <= SMS_MAX_SEGMENTS), folded[-1])
        return Message(SUBJECT, body)
    site = url if channel is Channel.EMAIL else short
    paragraphs = [
        f"Bonjour {enrollment.given_name}," if channel is Channel.EMAIL else "Madame, Monsieur,",
        "Vous avez demandé à choisir le mot de passe de votre espace santé (première connexion "
        "ou mot de passe oublié).",
        f"Votre code : {code}",
        f"Il est valable jusqu'au {until}, une seule fois. Rendez-vous sur {site}, page "
        "« Première connexion » ou « Mot de passe oublié », avec votre numéro de sécurité "
        "sociale, votre date de naissance et ce code.",
        "Vous n'avez rien demandé ? Ne faites rien : votre mot de passe ne change pas. Si cela se "
        f"répète, appelez le {settings.helpline_phone}.",
        "Personne ne vous demandera jamais ce code par téléphone, pas même nos conseillers. "
        "Ne le communiquez à personne.",
        SENDER_NAME,
    ]
    return Message(SUBJECT, "\n\n".join(paragraphs))
