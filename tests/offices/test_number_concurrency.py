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
