"""Tests of the offices app. `documents_set` gives a regency's office the settings its documents print."""

from offices.services import office_settings_update

SUKABUMI_DOCUMENTS = {
    "office_name": "Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi",
    "head_name": "Dra. Hj. Siti Rahmawati, M.Si.",
    "head_title": "Kepala Dinas Koperasi, Usaha Kecil, dan Menengah Kabupaten Sukabumi",
    "head_rank": "Pembina Utama Muda (IV/c)",
    "head_nip": "197001012000032001",
    "sign_town": "Pelabuhanratu",
    "address": "Jalan Raya Jampang Kulon, Pelabuhanratu",
    "phone": "(0266) 000000",
    "email": "dkukm@example.test",
    "website": "",
    "number_pattern": "500.3/{seq}/DKUKM/{year}",
}


def documents_set(regency, **changes):
    return office_settings_update(actor=None, regency=regency, **{**SUKABUMI_DOCUMENTS, **changes})
