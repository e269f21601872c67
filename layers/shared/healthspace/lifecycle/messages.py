"""The confirmation of a space's deletion, by email, SMS or letter: the day it was deleted and the
day its last copy is gone (docs/lifecycle.md). Never health data, never an INS; a minor's goes
to the legal representative and speaks of the child's space, as the enrollment's messages do.

Pure domain: the adapter (healthspace.adapters.erasure) picks the channel and delivers.

And the helpline's letters (`helpline_letter`): the receipt of a deletion asked by phone, the
cover letter of the summary or the file sent by post.
"""

from __future__ import annotations

from datetime import datetime

from healthspace.enrollment.messages import (
    SENDER_NAME,
    Message,
    MessageSettings,
    for_representative,
    french_date,
    to_gsm7,
)
from healthspace.enrollment.model import Channel, Enrollment
from healthspace.lifecycle.deletion_model import Deletion


def deletion_message(
    enrollment: Enrollment, deletion: Deletion, channel: Channel, settings: MessageSettings
) -> Message:
    space = (
        f"l'espace santé de {enrollment.given_name}"
        if for_representative(enrollment)
        else "votre espace santé"
    )
    deleted = french_date(deletion.deleted_at or deletion.requested_at)
    gone = french_date(deletion.last_copy_gone_by)
    subject = f"Suppression de {space} effectuée"
    if channel is Channel.SMS:
        text = (
            f"Assurance Maladie : {space} a été supprimé le {deleted}. Plus aucune copie "
            f"lisible n'existera après le {gone}."
        )
        return Message(subject, to_gsm7(text))
    body = "\n\n".join(
        (
            "Bonjour,",
            f"Comme demandé, {space} a été supprimé le {deleted}, avec tous ses documents, "
            "son profil médical et son historique.",
            "Dès votre demande, la clé qui protégeait ces données a été détruite : plus "
            "personne ne peut les lire. Les dernières copies de sauvegarde disparaissent "
            f"d'elles-mêmes ; au plus tard le {gone}, il n'en restera plus aucune.",
            f"Pour toute question : {settings.helpline_phone}.",
            "L'Assurance Maladie",
        )
    )
    return Message(subject, body)


# --- the helpline's letters (lifecycle.helpline): always by post, a receipt of what a caller
# asked for by phone. Kind -> (subject, what was done, what follows). `{until}`: the deletion's
# last copy, or the closure's term.
_HELPLINE_LETTERS = {
    "deletion-receipt": (
        "Suppression de {space}",
        "À votre demande, faite par téléphone auprès d'un conseiller le {on}, {space} est "
        "supprimé, avec tous ses documents, son profil médical et son historique. Dès votre "
        "demande, la clé qui protégeait ces données a été détruite : plus personne ne peut les "
        "lire.",
        "Les dernières copies de sauvegarde disparaissent d'elles-mêmes : au plus tard le "
        "{until}, il n'en restera plus aucune. Une confirmation vous sera envoyée une fois la "
        "suppression terminée.",
    ),
    "reopening-receipt": (
        "Réouverture de {space}",
        "À votre demande, faite par téléphone auprès d'un conseiller le {on}, {space} est en "
        "cours de réouverture : ses documents, son profil médical et son historique sont "
        "récupérés dans les archives.",
        "Cela prend jusqu'à deux jours. Ensuite, {space} est de nouveau accessible sur {site}, "
        "comme avant sa fermeture ; vous pourrez de nouveau en demander une copie.",
    ),
    "summary-by-post": (
        "La synthèse médicale de {space}",
        "À votre demande, faite par téléphone auprès d'un conseiller le {on}, vous trouverez "
        "ci-joint la synthèse médicale de {space} : les traitements en cours, les allergies, "
        "les problèmes de santé et les vaccinations, tels qu'ils sont notés dans son profil.",
        "Ce document contient des informations de santé : conservez-le en lieu sûr. Vous "
        "pouvez le montrer à un médecin, en France ou à l'étranger.",
    ),
    "file-by-post": (
        "Une copie de {space}",
        "À votre demande, faite par téléphone auprès d'un conseiller le {on}, vous trouverez "
        "ci-joint une copie de {space} sur papier : sa synthèse médicale et la liste de ses "
        "documents (date, titre et catégorie de chacun).",
        "Ce document contient des informations de santé : conservez-le en lieu sûr. Les "
        "documents eux-mêmes se consultent et se téléchargent sur {site} ; un professionnel de "
        "santé que vous avez autorisé peut aussi les lire.",
    ),
}
HELPLINE_LETTERS = frozenset(_HELPLINE_LETTERS)
# The receipts that go by the enrollment's channel when no address is on file: as an SMS.
_HELPLINE_SMS = {
    "deletion-receipt": "{space} est supprimé à votre demande ({on}). Plus aucune copie lisible "
    "après le {until}.",
    "reopening-receipt": "{space} est en cours de réouverture à votre demande ({on}) : de "
    "nouveau accessible d'ici deux jours.",
}


def helpline_letter(
    enrollment: Enrollment,
    kind: str,
    at: datetime,
    settings: MessageSettings,
    until: datetime | None = None,
    channel: Channel = Channel.POST,
) -> Message:
    """A letter of the helpline (`kind` in HELPLINE_LETTERS) to the person, or a child's legal
    representative; a receipt goes by email or SMS when no address is on file. The letter
    itself holds no health data; the summary's, when enclosed, does (the enclosure says it)."""
    minor = for_representative(enrollment)
    space = f"l'espace santé de {enrollment.given_name}" if minor else "votre espace santé"
    values = {
        "space": space,
        "on": french_date(at),
        "until": french_date(until or at),
        "site": settings.public_site_url.removeprefix("https://")
        .removeprefix("http://")
        .rstrip("/"),
    }
    subject, done, then = _HELPLINE_LETTERS[kind]
    if channel is Channel.SMS:
        text = _HELPLINE_SMS[kind].format(**values)
        return Message(subject.format(**values), to_gsm7(f"Assurance Maladie : {text}"))
    why = (
        [f"Vous recevez ce courrier en tant que représentant légal de {enrollment.given_name}."]
        if minor
        else []
    )
    body = "\n\n".join(
        (
            "Madame, Monsieur,",
            *why,
            done.format(**values),
            then.format(**values),
            f"Pour toute question : {settings.helpline_phone}.",
            SENDER_NAME,
        )
    )
    subject_text = subject.format(**values)
    return Message(subject_text[:1].upper() + subject_text[1:], body)
