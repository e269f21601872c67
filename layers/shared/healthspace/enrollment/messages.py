"""What a person is told, by email, SMS or letter: the code message and the receipt message.

Plain French, short, respectful. Never health data; never an INS (an identifier): a message names
a person by first name only (the letter's address block carries the full name, as a letter must).
For a minor the message goes to a legal representative and speaks of the child's space.

Pure domain: no AWS. The adapter (healthspace.adapters.notify) picks the channel and delivers.
"""

from __future__ import annotations

import calendar
import math
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from healthspace.enrollment.model import Channel, Decision, Enrollment, Receipt

SENDER_NAME = "L'Assurance Maladie"
SMS_MAX_SEGMENTS = 2

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

# GSM 03.38: the basic character set (one septet each) and its extension table (two septets).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7_FOLD = {
    "ç": "c",
    "œ": "oe",
    "Œ": "OE",
    "\u2019": "'",  # typographic apostrophe
    "\u2018": "'",
    "\u00ab": '"',  # guillemets
    "\u00bb": '"',
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",  # dashes
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
}


@dataclass(frozen=True)
class Message:
    """One message, ready to send: the subject (email subject, letter heading) and the body."""

    subject: str
    body: str


class MessageSettings(Protocol):
    """Where people are sent to act: the public website and the helpline."""

    @property
    def public_site_url(self) -> str: ...

    @property
    def helpline_phone(self) -> str: ...


# --- dates


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - calendar.SUNDAY) % 7)


def paris_time(moment: datetime) -> datetime:
    """`moment` on the clocks of metropolitan France (CET, CEST from the last Sunday of March to
    the last Sunday of October, both at 01:00 UTC), as a naive datetime. A rule, not a time zone
    database: the Lambda runtime does not promise one. A naive datetime is taken as UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    summer_from = datetime.combine(_last_sunday(utc.year, 3), datetime.min.time(), UTC)
    summer_to = datetime.combine(_last_sunday(utc.year, 10), datetime.min.time(), UTC)
    summer = summer_from + timedelta(hours=1) <= utc < summer_to + timedelta(hours=1)
    return (utc + timedelta(hours=2 if summer else 1)).replace(tzinfo=None)


def paris_date(moment: datetime) -> date:
    """The calendar day of `moment` in metropolitan France (paris_time)."""
    return paris_time(moment).date()


def french_date(day: date | datetime) -> str:
    """« 9 janvier 2027 », « 1er mars 2027 » (a datetime is read as a day in Paris)."""
    if isinstance(day, datetime):
        day = paris_date(day)
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {_MONTHS[day.month - 1]} {day.year}"


# --- SMS encoding


def to_gsm7(text: str) -> str:
    """The text in the GSM-7 alphabet: look-alikes replaced (ç → c, ô → o, typographic quotes →
    straight ones), anything else without a GSM-7 form becomes '?'. Keeps an SMS at 160/153
    characters per segment instead of 70/67 in UCS-2."""
    out: list[str] = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        elif char in _GSM7_FOLD:
            out.append(_GSM7_FOLD[char])
        else:
            base = unicodedata.normalize("NFKD", char)[:1]
            out.append(base if base and base in GSM7_BASIC else "?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_segments(text: str) -> int:
    """How many SMS a text takes: GSM-7 (160 septets, 153 per part when split; extension
    characters count two) or else UCS-2 (70, 67 per part)."""
    if is_gsm7(text):
        septets = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def _fit_sms(*candidates: str) -> str:
    """The first candidate (GSM-7 folded) that fits in SMS_MAX_SEGMENTS, else the shortest."""
    folded = [to_gsm7(candidate) for candidate in candidates]
    for text in folded:
        if sms_segments(text) <= SMS_MAX_SEGMENTS:
            return text
    return min(folded, key=len)


# --- who is addressed


def for_representative(enrollment: Enrollment) -> bool:
    """A minor's messages go to a legal representative, about the child's space."""
    return bool(enrollment.representatives)


def letter_recipient(enrollment: Enrollment) -> str:
    """The name line of a letter's address block."""
    name = f"{enrollment.given_name} {enrollment.family_name.upper()}"
    return f"Représentant légal de {name}" if for_representative(enrollment) else name


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short_url(url: str) -> str:
    """A website address as people type it: no scheme, no trailing slash."""
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


def _site(settings: MessageSettings, channel: Channel) -> str:
    """The website: a link in an email, the short form people type from an SMS or a letter."""
    url = settings.public_site_url.rstrip("/")
    return url if channel is Channel.EMAIL else _short_url(url)


@dataclass(frozen=True)
class _Words:
    """The phrases that change when a legal representative is told about a child's space."""

    minor: bool
    name: str  # the person's first name: the child's, for a minor

    @classmethod
    def of(cls, enrollment: Enrollment) -> _Words:
        return cls(minor=for_representative(enrollment), name=enrollment.given_name)

    @property
    def space(self) -> str:
        return f"l'espace santé de {self.name}" if self.minor else "votre espace santé"

    @property
    def greeting(self) -> str:
        return "Bonjour," if self.minor else f"Bonjour {self.name},"

    def why_you(self, medium: str) -> list[str]:
        """For a representative, why they receive this `medium` (message, courrier)."""
        if not self.minor:
            return []
        return [f"Vous recevez ce {medium} en tant que représentant légal de {self.name}."]


_NEVER = (
    "Personne ne vous demandera jamais ce code par téléphone, pas même nos conseillers. "
    "Ne le communiquez à personne."
)


# --- the code message


def code_message(
    enrollment: Enrollment, code: str, channel: Channel, settings: MessageSettings
) -> Message:
    """The message carrying a person's code: what the space is, when it will be created, how to
    oppose or to activate it now, the code, and that nobody will ever ask for it by phone."""
    words = _Words.of(enrollment)
    deadline = french_date(enrollment.deadline)
    subject = f"{_cap(words.space)} sera créé le {deadline}"
    if channel is Channel.SMS:
        return Message(subject, _code_sms(words, code, deadline, settings))

    site = _site(settings, channel)
    phone = settings.helpline_phone
    documents = (
        f"les documents et informations de santé de {words.name}"
        if words.minor
        else "vos documents et informations de santé"
    )
    everyone = "chaque assuré, enfants compris," if words.minor else "chaque assuré"
    identity = (
        f"le numéro de sécurité sociale de {words.name} et sa date de naissance"
        if words.minor
        else "votre numéro de sécurité sociale et votre date de naissance"
    )
    paragraphs = [
        *words.why_you("message" if channel is Channel.EMAIL else "courrier"),
        f"L'Assurance Maladie crée pour {everyone} un espace santé : un espace personnel, gratuit "
        f"et sécurisé, pour conserver {documents} et les partager avec les professionnels de "
        "santé de votre choix.",
        f"{_cap(words.space)} sera créé automatiquement le {deadline}, sauf si vous vous y "
        "opposez avant cette date.",
        f"Code personnel de {words.name} : {code}"
        if words.minor
        else f"Votre code personnel : {code}",
        f"Vous ne souhaitez pas d'espace santé{' pour ' + words.name if words.minor else ''} ? "
        f"Rendez-vous sur {site} avec ce code, {identity}. Vous pouvez aussi appeler le {phone} : "
        "un conseiller enregistrera votre choix.",
        f"Vous souhaitez l'utiliser dès maintenant ? Activez-le sur {site} avec le même code.",
        _NEVER,
        SENDER_NAME,
    ]
    opening = words.greeting if channel is Channel.EMAIL else "Madame, Monsieur,"
    return Message(subject, "\n\n".join([opening, *paragraphs]))


def _code_sms(words: _Words, code: str, deadline: str, settings: MessageSettings) -> str:
    site, phone = _short_url(settings.public_site_url), settings.helpline_phone
    space, free = words.space, "gratuit et sécurisé"
    described = f"{space}, {free},"
    hello = "" if words.minor else f"{words.name}, "
    act = f"Code : {code}. Pour vous y opposer ou l'activer : {site} ou le {phone}."
    return _fit_sms(
        f"Assurance Maladie : {hello}{described} sera créé le {deadline} sauf opposition avant "
        f"cette date. {act} Personne ne vous demandera ce code par téléphone.",
        f"Assurance Maladie : {space} sera créé le {deadline} sauf opposition avant cette date. "
        f"{act} Ne donnez ce code à personne.",
        f"{_cap(space)} sera créé le {deadline} sauf opposition. Code : {code}. {site} ou {phone}.",
    )


# --- the receipt message


def receipt_message(
    enrollment: Enrollment, receipt: Receipt, channel: Channel, settings: MessageSettings
) -> Message:
    """The proof of a decision: opposition recorded, or space activated."""
    words = _Words(minor=for_representative(enrollment), name=receipt.given_name)
    on = french_date(receipt.decided_at)
    site = _site(settings, channel)
    phone = settings.helpline_phone
    reference = f"Référence du justificatif : {receipt.receipt_id}."
    if receipt.decision is Decision.OPPOSED:
        subject = f"Opposition enregistrée : {words.space} ne sera pas créé"
        fact = f"Votre opposition à la création de {words.space} a bien été enregistrée le {on}."
        then = (
            f"{_cap(words.space)} ne sera pas créé. Si vous changez d'avis, vous pourrez demander "
            f"sa création plus tard sur {site} ou au {phone}."
        )
        sms = (
            f"votre opposition à la création de {words.space} est enregistrée ({on}). "
            f"{_cap(words.space)} ne sera pas créé."
        )
    else:
        subject = f"{_cap(words.space)} est activé"
        fact = f"{_cap(words.space)} est activé depuis le {on}."
        then = (
            f"Vous pouvez le consulter dès maintenant sur {site}. Vous pourrez le fermer à tout "
            f"moment sur le même site ou au {phone}."
        )
        sms = f"{fact[:1].lower()}{fact[1:]} Consultez-le sur {_short_url(site)}."

    if channel is Channel.SMS:
        return Message(
            subject,
            _fit_sms(
                f"Assurance Maladie : {sms} Référence : {receipt.receipt_id}.",
                f"{_cap(sms)} Référence : {receipt.receipt_id}.",
            ),
        )

    if receipt.decided_by.startswith("operator:"):
        fact += " Cette demande a été faite par téléphone, auprès d'un conseiller."
    if channel is Channel.EMAIL:
        paragraphs = [
            words.greeting,
            *words.why_you("message"),
            fact,
            then,
            f"{reference} Conservez ce message : il en est la preuve.",
            SENDER_NAME,
        ]
        return Message(subject, "\n\n".join(paragraphs))

    person = (
        f"Personne concernée : {receipt.given_name} {receipt.family_name.upper()}, "
        f"date de naissance : {french_date(receipt.birth_date)}."
    )
    paragraphs = [
        "Madame, Monsieur,",
        *words.why_you("courrier"),
        fact,
        person,
        then,
        f"{reference} Conservez ce courrier : il en est la preuve.",
        SENDER_NAME,
    ]
    return Message(subject, "\n\n".join(paragraphs))


# --- notices of acts on the file (healthspace.notices.patient)

# What happened, by notice kind: no health content, no professional's name (a specialist's name
# says something of an illness), and nothing a glance at a locked phone should not show.
_NOTICE_FACTS = {
    "access": (
        "Un professionnel de santé a consulté {space}",
        "Un professionnel de santé a consulté ou complété le dossier médical de {space} le {on}.",
    ),
    "document": (
        "Un nouveau document dans {space}",
        "Un nouveau document a été ajouté au dossier médical de {space} le {on}.",
    ),
    "emergency": (
        "Accès en urgence à {space}",
        "Un professionnel de santé a ouvert le dossier médical de {space} en urgence le {on}, "
        "comme vos paramètres le permettent. Le médecin traitant en est informé.",
    ),
    "consent": (
        "Un professionnel de santé a désormais accès à {space}",
        "Le {on}, un professionnel de santé a déclaré que vous acceptiez qu'il accède au dossier "
        "médical de {space}. Si vous n'avez pas donné cet accord, retirez-lui cet accès dans les "
        "paramètres de l'espace santé (« Qui voit mon dossier »).",
    ),
}


def notice_message(
    enrollment: Enrollment, kind: str, at: datetime, settings: MessageSettings
) -> Message:
    """The email telling the patient (or a minor's representative) of an act on the file: what
    kind of act and when, and where to see who and what. `kind` is a notices.NoticeKind value."""
    words = _Words.of(enrollment)
    subject, fact = _NOTICE_FACTS[kind]
    site = _site(settings, Channel.EMAIL)
    paragraphs = [
        words.greeting,
        *words.why_you("message"),
        fact.format(space=words.space, on=french_date(at)),
        f"Pour savoir qui et ce qui a été consulté, connectez-vous sur {site} : l'historique "
        "des accès de l'espace santé montre chaque consultation et chaque ajout.",
        "Vous ne reconnaissez pas cet accès ? Vous pouvez bloquer un professionnel, ou refuser "
        f"l'accès en urgence, dans les paramètres de l'espace santé, ou appeler le "
        f"{settings.helpline_phone}.",
        "Ce message ne contient aucune information de santé. Ne répondez pas à ce message.",
        SENDER_NAME,
    ]
    return Message(_cap(subject.format(space=words.space)), "\n\n".join(paragraphs))


# --- a space's life (healthspace.lifecycle): suspension, a child's death, a closure by phone

_LIFE_FACTS = {
    "suspension": (
        "{Space} est suspendu",
        "Le {on}, {space} a été suspendu par l'Assurance Maladie : nous avons des raisons de "
        "penser qu'il a été ouvert ou utilisé par une autre personne que vous. Pendant la "
        "suspension, personne ne peut le consulter ni y ajouter de document, pas même vous.",
        "Appelez le {phone} dans les six semaines pour le faire réactiver. Sans nouvelles de "
        "vous, il sera fermé : ses données seront alors conservées dix ans, puis supprimées.",
        "{space} est suspendu ({on}). Appelez le {phone} dans les 6 semaines.",
    ),
    "death": (
        "Fermeture de {space}",
        "Le décès de {name} nous a été signalé. {Space} a été fermé le {on} : plus personne ne "
        "peut le consulter ni y ajouter de document. Nous vous présentons nos condoléances.",
        "Ses données sont conservées dix ans, puis supprimées. Pour toute question, appelez le "
        "{phone}.",
        "{space} a été fermé le {on} après un décès signalé. Questions : {phone}.",
    ),
    "closure-receipt": (
        "Fermeture de {space}",
        "À votre demande, faite par téléphone auprès d'un conseiller, {space} a été fermé le "
        "{on}. Plus personne ne peut le consulter ni y ajouter de document.",
        "Ses données sont conservées dix ans, jusqu'au {until}, puis supprimées. D'ici là, "
        "vous pouvez demander sa réouverture sur {site} ou au {phone}.",
        "{space} a été fermé le {on} à votre demande. Réouverture possible : {phone}.",
    ),
}
LIFE_KINDS = frozenset(_LIFE_FACTS)


def life_message(
    enrollment: Enrollment,
    kind: str,
    at: datetime,
    channel: Channel,
    settings: MessageSettings,
    until: datetime | None = None,
) -> Message:
    """What a person is told of a change of their space's life (`kind`: suspension, death,
    closure-receipt), by email, SMS or letter; a minor's goes to the representative. No health
    data: the fact, the date, what happens to the data and where to call."""
    words = _Words.of(enrollment)
    subject, fact, then, sms = _LIFE_FACTS[kind]
    values = {
        "space": words.space,
        "Space": _cap(words.space),
        "name": enrollment.given_name,
        "on": french_date(at),
        "until": french_date(until or at),
        "phone": settings.helpline_phone,
        "site": _site(settings, channel),
    }
    if channel is Channel.SMS:
        return Message(
            subject.format(**values), _fit_sms(f"Assurance Maladie : {_cap(sms.format(**values))}")
        )
    paragraphs = [
        words.greeting if channel is Channel.EMAIL else "Madame, Monsieur,",
        *words.why_you("message" if channel is Channel.EMAIL else "courrier"),
        fact.format(**values),
        then.format(**values),
        "Ce message ne contient aucune information de santé.",
        SENDER_NAME,
    ]
    return Message(_cap(subject.format(**values)), "\n\n".join(paragraphs))
