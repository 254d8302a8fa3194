"""Searching for part of a name through the blind index of its letters and pairs of letters (issue 23), on
SQLite and PostgreSQL: the same leads as decrypting every name, the hashes kept current by every write
and gone with the contact details, no name in clear."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.leads import name_search
from bot.leads.crypto import FieldCipher, new_key
from bot.leads.models import Contact, ContactNameGram, Screening
from bot.leads.retention import purge, rotate_keys
from bot.leads.store import ContactDetails, LeadQuery, LeadStore
from tests.conftest import TEST_KEY
from tests.web.coordinator.seed import seed_lead

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)
NAMES = ["Li Wei", "Wei  Li", "王芳", "王秀英", "李娜", "Anna Müller", "STRASSE Straße", "Ève", "", "张  伟",
         "Zhang Wei"]
SEARCHES = ["wei", "WEI", "i w", "i  w", "王", "王芳", "秀英", "李", "an", "ANNA m", "ss", "strasse", "straße", "ève",
            "e", "伟", "z", "nobody", "英王", "li wei", "Wei Li"]


def every_name_decrypted(names: dict[int, str], text: str) -> list[int]:
    """The search before the index: each name decrypted, spaces collapsed, casefolded, then `in`."""
    wanted = " ".join(text.split()).casefold()
    return sorted(i for i, name in names.items() if wanted in " ".join(name.split()).casefold())


def grams_of(store: LeadStore, lead: int) -> set[str]:
    with store.database.session() as session:
        return set(session.execute(select(ContactNameGram.gram).where(ContactNameGram.screening_id == lead)).scalars())


@pytest.fixture
def named(store: LeadStore) -> dict[int, str]:
    names = {}
    for n, name in enumerate(NAMES):
        lead = seed_lead(store, f"conv-{n}", ContactDetails(name, f"+86138000000{n:02d}"),
                         completed_at=NOW - timedelta(hours=n))
        names[lead] = name
    seed_lead(store, "conv-none", None)  # no contact details: never found by a name
    return names


def test_the_index_finds_what_decrypting_every_name_finds(store: LeadStore, named: dict[int, str]) -> None:
    for text in SEARCHES:
        found = sorted(lead.id for lead in store.find_leads(LeadQuery(search=text)))
        assert found == every_name_decrypted(named, text), text


def test_only_the_names_that_may_match_are_decrypted(store: LeadStore, named: dict[int, str]) -> None:
    decrypted: list[str] = []

    class Counting(FieldCipher):
        def decrypt(self, token: str | None) -> str | None:
            value = super().decrypt(token)
            decrypted.append(value or "")
            return value

    counting = LeadStore(store.database, Counting(TEST_KEY))
    completed = [Screening.completed_at.is_not(None)]
    with counting.database.session() as session:
        assert counting._search_ids(session, "王秀英", completed) == every_name_decrypted(named, "王秀英")
        assert decrypted == ["王秀英"]  # the only name with both pairs
        decrypted.clear()
        assert counting._search_ids(session, "王", completed) == every_name_decrypted(named, "王")
        assert counting._search_ids(session, "wE", completed) == every_name_decrypted(named, "we")
        assert decrypted == []  # one or two characters: the hashes answer exactly


def test_the_hashes_follow_every_write_and_go_with_the_contact(store: LeadStore, tmp_path: Path) -> None:
    lead = seed_lead(store, "conv-li", ContactDetails("Li Wei", "+8613812345678"), completed_at=NOW)
    cipher = store.cipher
    assert cipher is not None
    assert grams_of(store, lead) == {cipher.gram_index(g) for g in name_search.grams("Li Wei")}
    store.save_contact("conv-li", ContactDetails("王芳", "+8613812345678"))  # corrected: the old name's hashes go
    assert grams_of(store, lead) == {cipher.gram_index(g) for g in ("王", "芳", "王芳")}
    assert [r.id for r in store.find_leads(LeadQuery(search="wei"))] == []
    assert [r.id for r in store.find_leads(LeadQuery(search="王"))] == [lead]
    with store.database.transaction() as session:  # old enough for the retention purge
        session.execute(update(Screening).values(started_at=datetime.now(timezone.utc) - timedelta(days=400)))
    assert purge(store, 365, "retention", f"sqlite:///{tmp_path / 'tracker.db'}").purged == ["conv-li"]
    assert grams_of(store, lead) == set()
    other = seed_lead(store, "conv-wang", ContactDetails("Wang Fang", "+8613812345679"))
    assert grams_of(store, other)
    store.erase_conversation("conv-wang")
    assert grams_of(store, other) == set()
    with store.database.session() as session:
        assert session.execute(select(ContactNameGram)).first() is None


def test_no_name_and_no_letter_is_stored_in_clear(store: LeadStore, named: dict[int, str]) -> None:
    with store.database.session() as session:
        stored = set(session.execute(select(ContactNameGram.gram)).scalars())
    letters = {g for name in named.values() for g in name_search.grams(name)}
    assert stored and not stored & letters
    assert all(len(g) == 16 and int(g, 16) >= 0 for g in stored)


def test_key_rotation_rebuilds_the_hashes_under_the_new_key(store: LeadStore, named: dict[int, str]) -> None:
    key = new_key()
    rotate_keys(store, FieldCipher(key, old_keys=(TEST_KEY,)))
    fresh = LeadStore(store.database, FieldCipher(key))
    assert sorted(r.id for r in fresh.find_leads(LeadQuery(search="wei"))) == every_name_decrypted(named, "wei")
    lead = next(i for i, name in named.items() if name == "王芳")
    assert grams_of(fresh, lead) == {FieldCipher(key).gram_index(g) for g in ("王", "芳", "王芳")}


def test_contacts_without_hashes_get_them_on_the_first_name_search(store: LeadStore, named: dict[int, str]) -> None:
    """As after migration 0010 (no key there): name groups NULL, no hashes; the first search computes both."""
    with store.database.transaction() as session:
        session.execute(ContactNameGram.__table__.delete())
        session.execute(update(Contact).values(name_group=None))
    assert sorted(r.id for r in store.find_leads(LeadQuery(search="王"))) == every_name_decrypted(named, "王")
    with store.database.session() as session:
        assert session.execute(select(Contact).where(Contact.name_group.is_(None))).first() is None
