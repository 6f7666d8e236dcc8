"""Admins taking document numbers at the same moment, for real: threads with their own connections (PostgreSQL)."""

from datetime import date

import pytest
from django.db import connection

from offices.models import DocumentSequence, IssuedNumber
from offices.services import document_number_issue

from ..territories.test_plan_concurrency import run_together
from . import documents_set

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent writers: SQLite serialises them (CI runs this on PostgreSQL)",
    ),
]


def test_numbers_taken_at_once_are_all_different_and_all_in_the_register(sukabumi):
    documents_set(sukabumi)
    day = date(2026, 12, 7)  # the year's sequence row does not exist yet: the first ones also race to create it
    results = run_together(
        *[
            (lambda index=index: document_number_issue(actor=None, regency=sukabumi, document=f"SK {index}", on=day))
            for index in range(6)
        ]
    )
    assert all(isinstance(result, IssuedNumber) for result in results), results
    assert sorted(result.sequence for result in results) == [1, 2, 3, 4, 5, 6]
    assert IssuedNumber.objects.filter(regency=sukabumi).count() == 6
    assert DocumentSequence.objects.get(regency=sukabumi, year=2026).last == 6


def test_numbers_typed_and_given_at_once_never_repeat_a_sequence(sukabumi):
    from offices.services import DocumentNumberError, document_number_record

    documents_set(sukabumi)
    day = date(2026, 12, 7)

    def typed(text):
        def run():
            try:
                return document_number_record(actor=None, regency=sukabumi, number=text, document="SK", on=day)
            except DocumentNumberError as error:
                return error
        return run

    results = run_together(
        typed("500.3/002/DKUKM/2026"),
        typed("500.3/2/DKUKM/2026"),
        *[(lambda index=index: document_number_issue(actor=None, regency=sukabumi, document=f"SK {index}", on=day))
          for index in range(4)],
    )
    refused = [result for result in results if isinstance(result, DocumentNumberError)]
    # The same typed number twice: at most one is entered. Both are refused when a number given meanwhile took the
    # sequence first (which of them wins is the race's); the given numbers are never refused.
    assert len(refused) in (1, 2), results
    assert all(not isinstance(result, DocumentNumberError) for result in results[2:]), results
    sequences = list(IssuedNumber.objects.filter(regency=sukabumi).values_list("sequence", flat=True))
    assert len(sequences) == 6 - len(refused) and len(set(sequences)) == len(sequences)
    assert 2 in sequences  # held once, by a typed number or a given one
    assert DocumentSequence.objects.get(regency=sukabumi, year=2026).last == max(sequences)
