"""The confirmation of a space's deletion, by email, SMS or letter: the day it was deleted and the
day its last copy is gone (docs/lifecycle.md). Never health data, never an INS; a minor's goes
to the legal representative and speaks of the child's space, as the enrollment's messages do.

Pure domain: the adapter (healthspace.adapters.erasure) picks the channel and delivers.
"""

from __future__ import annotations

from healthspace.enrollment.messages import (
    Message,
    MessageSettings,
    for_representative,
    french_date,
    to_gsm7,
)
from healthspace.enrollment.model import Channel, Enrollment
from healthspace.lifecycle.deletion import Deletion


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
