"""Finding part of a name without decrypting every name: a keyed blind index of each name's letters and
pairs of letters, stored beside the contact (table contact_name_grams).

Names are encrypted at rest, so the database cannot look inside them. For each contact the store keeps
the keyed hashes (HMAC-SHA256 with a key derived from the data key, cut to 16 hex digits) of every
character and every pair of neighbouring characters of the name as the search compares it (casefolded,
spaces collapsed): "Li Wei" gives l, i, w, e and "li", "i ", " w", "we", "ei". A search for part of a
name asks the database for the contacts that have every pair of the search text (every character, for
one character), then decrypts only those names and keeps the ones that contain the text: the same
result as decrypting every name, reading only the names that may match (none for a search of one or
two characters, which the hashes answer exactly).

What the hashes reveal to someone who reads the database without the key: no name, no character; but
which contacts share a character or a pair of characters, and how often each hash occurs, so with
outside knowledge of how common surnames are (王, 李, 张 …) a frequent hash may be guessed to be a
common surname's character. The hashes go with the contact details (the rows are deleted with the
contact: erasure, retention purge) and are recomputed under a new key by `prescreen keys rotate`.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.leads.crypto import FieldCipher
from bot.leads.models import Contact, ContactNameGram
from bot.leads.name_order import name_group

BATCH = 2000


def normalise(text: str) -> str:
    """A name or a search text as they are compared: casefolded, runs of spaces as one space."""
    return " ".join(text.split()).casefold()


def grams(name: str) -> set[str]:
    """Every character (spaces aside) and every pair of neighbouring characters of the normalised name."""
    normal = normalise(name)
    return {ch for ch in normal if ch != " "} | {normal[i:i + 2] for i in range(len(normal) - 1)}


def wanted_grams(text: str) -> set[str]:
    """What a name containing `text` must have: its pairs (its one character, for one character)."""
    normal = normalise(text)
    if len(normal) < 2:
        return {normal} if normal else set()
    return {normal[i:i + 2] for i in range(len(normal) - 1)}


def exact(text: str) -> bool:
    """Whether the hashes alone answer a search for `text`: one or two characters are a name's character or
    pair exactly (two different ones sharing a 64-bit hash is left to chance: about 1 in 10^19)."""
    return 0 < len(normalise(text)) <= 2


def write(session: Session, cipher: FieldCipher, screening_id: int, name: str | None) -> None:
    """Replace a contact's stored name hashes (none for an empty name)."""
    session.execute(delete(ContactNameGram).where(ContactNameGram.screening_id == screening_id))
    rows = [{"screening_id": screening_id, "gram": cipher.gram_index(gram)} for gram in grams(name or "")]
    if rows:
        session.execute(insert(ContactNameGram), rows)


def fill(session: Session, cipher: FieldCipher) -> int:
    """The name facts of contacts that have none yet (name_group NULL: after migrations 0009 and 0010, which
    have no key, or a bulk import): the sort group and the search hashes, a batch at a time."""
    filled = 0
    while True:
        rows = session.execute(
            select(Contact.screening_id, Contact.name_encrypted).where(Contact.name_group.is_(None)).limit(BATCH)
        ).all()
        if not rows:
            return filled
        names = {screening_id: cipher.decrypt(token) or "" for screening_id, token in rows}
        rebuild(session, cipher, names)
        filled += len(rows)


def rebuild(session: Session, cipher: FieldCipher, names: dict[int, str]) -> None:
    """Sort groups and search hashes of these contacts (screening id -> decrypted name), from scratch."""
    if not names:
        return
    ids = list(names)
    for start in range(0, len(ids), 500):
        session.execute(delete(ContactNameGram).where(ContactNameGram.screening_id.in_(ids[start:start + 500])))
    grams_rows = [{"screening_id": i, "gram": cipher.gram_index(gram)} for i, name in names.items()
                  for gram in grams(name)]
    if grams_rows:
        session.execute(insert(ContactNameGram), grams_rows)
    session.connection().execute(
        update(Contact.__table__).where(Contact.__table__.c.screening_id == bindparam("lead"))
        .values(name_group=bindparam("group")),
        [{"lead": i, "group": name_group(name)} for i, name in names.items()],
    )


def candidates(cipher: FieldCipher, text: str) -> Select | None:
    """The ids of the contacts whose name may contain `text` (None: the text has nothing to look for)."""
    wanted = {cipher.gram_index(gram) for gram in wanted_grams(text)}
    if not wanted:
        return None
    return (select(ContactNameGram.screening_id).where(ContactNameGram.gram.in_(sorted(wanted)))
            .group_by(ContactNameGram.screening_id).having(func.count() == len(wanted)))
