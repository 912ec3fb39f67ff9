"""Identity documents, mobile numbers, masking and unified social credit codes: the rules
in members.identity and organizations.validators that every form and import relies on.

Expected check characters are worked out in this file with the standard's weights
(not with the code under test), so a wrong table in the code cannot pass unnoticed."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from members.identity import (
    DocumentType,
    looks_mangled_by_excel,
    normalize_mobile,
    parse_document,
)
from members.models import Member
from organizations.personal import mask_birth_date, mask_document, mask_mobile, mask_place
from organizations.validators import (
    credit_code_check_character,
    normalize_credit_code,
    validate_credit_code,
    validate_union_credit_code,
)

# GB 11643-1999, written out independently of members.identity.
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id_check(first17):
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def rid(first17):
    return first17 + id_check(first17)


def wrong_check(number):
    return number[:17] + ("0" if number[17] != "0" else "1")


def error_of(document_type, value):
    with pytest.raises(ValidationError) as raised:
        parse_document(document_type, value)
    return raised.value


RESIDENT = DocumentType.RESIDENT_ID
WOMAN = rid("44170219900307024")  # 江城区, born 1990-03-07, sequence 024 (even: woman)


# --- Resident ID numbers -----------------------------------------------------------------


def test_valid_resident_id():
    document = parse_document(RESIDENT, WOMAN)
    assert document.number == WOMAN
    assert document.birth_date == date(1990, 3, 7)
    assert document.gender == "女"
    man = rid("44178119851121013")  # 阳春市, sequence 013 (odd: man)
    assert parse_document(RESIDENT, man).gender == "男"


def test_known_number_from_the_standard():
    # The worked example of GB 11643-1999 (a Beijing number) ends in X.
    assert id_check("11010519491231002") == "X"
    assert parse_document(RESIDENT, "11010519491231002X").birth_date == date(1949, 12, 31)


def test_finding_wrong_check_character_is_a_mistyped_number_not_a_hint_for_the_last_digit():
    """Issue 18: naming the character that would fit invited clerks to change the last
    one, while the mistyped character is usually elsewhere. Whatever the number, the
    message is the same and names no character."""
    messages = set()
    for number in (WOMAN, rid("44178119851121013"), rid("11010519491231002")):
        error = error_of(RESIDENT, wrong_check(number))
        assert error.code == "id_checksum"
        messages.add(" ".join(error.messages))
    assert len(messages) == 1
    message = messages.pop()
    assert not any(character in message for character in "0123456789X")


def test_impossible_birth_date():
    error = error_of(RESIDENT, rid("44170219900230123"))  # 30 February
    assert error.code == "id_birth_date"
    assert "19900230" in " ".join(error.messages)
    assert error_of(RESIDENT, rid("44170221990101123")).code == "id_birth_date"  # future


def test_unknown_address_codes():
    # 441799 never existed in Yangjiang; 99 is no province.
    assert error_of(RESIDENT, rid("44179919900101123")).code == "id_address"
    assert error_of(RESIDENT, rid("99010119900101123")).code == "id_address"
    # Hong Kong's 81 belongs on a residence permit, not on a resident ID.
    assert error_of(RESIDENT, rid("81000019900101123")).code == "id_address"
    # Other provinces are not checked county by county.
    assert parse_document(RESIDENT, rid("45010219900101123")).number.startswith("450102")


def test_historic_yangjiang_code_is_accepted():
    number = rid("44172319800515061")  # 阳东县, replaced by 441704 in 2014
    assert parse_document(RESIDENT, number).number == number


def test_fifteen_digit_number_becomes_eighteen():
    old = "441702900307024"  # the old card of the same woman: no century, no check
    expected = "44170219900307024" + id_check("44170219900307024")
    document = parse_document(RESIDENT, old)
    assert document.number == expected == WOMAN
    assert document.birth_date == date(1990, 3, 7)


def test_lower_case_x_spaces_and_full_width_digits():
    first17 = next(
        f"44170219880808{seq:03d}" for seq in range(1000) if id_check(f"44170219880808{seq:03d}") == "X"
    )
    assert parse_document(RESIDENT, first17 + "x").number == first17 + "X"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in WOMAN)
    assert parse_document(RESIDENT, full_width).number == WOMAN
    assert parse_document(RESIDENT, f" {WOMAN[:6]} {WOMAN[6:14]} {WOMAN[14:]} ").number == WOMAN


def test_wrong_length():
    assert error_of(RESIDENT, WOMAN[:16]).code == "id_length"
    assert error_of(RESIDENT, WOMAN[:17] + "Y").code == "id_format"


# --- Other documents ---------------------------------------------------------------------


def test_hong_kong_macao_taiwan_residence_permits():
    hong_kong = rid("81000019900101123")
    macao = rid("82000019851010246")
    taiwan = rid("83000019790203135")
    assert parse_document(DocumentType.HK_MACAO_RESIDENCE, hong_kong).birth_date == date(1990, 1, 1)
    assert parse_document(DocumentType.HK_MACAO_RESIDENCE, macao).gender == "女"
    assert parse_document(DocumentType.TAIWAN_RESIDENCE, taiwan).gender == "男"
    assert error_of(DocumentType.TAIWAN_RESIDENCE, hong_kong).code == "id_prefix"
    assert error_of(DocumentType.HK_MACAO_RESIDENCE, WOMAN).code == "id_prefix"
    assert error_of(DocumentType.HK_MACAO_RESIDENCE, wrong_check(hong_kong)).code == "id_checksum"


def test_foreigner_permanent_residence_id_both_formats():
    old = parse_document(DocumentType.FOREIGNER_PERMANENT, "usa441780061512")
    assert old.number == "USA441780061512" and old.birth_date is None
    new = rid("94484019850612003")  # the 2023 card: 9, then GB 11643's layout
    document = parse_document(DocumentType.FOREIGNER_PERMANENT, new)
    assert document.birth_date == date(1985, 6, 12) and document.gender == "男"
    assert error_of(DocumentType.FOREIGNER_PERMANENT, wrong_check(new)).code == "id_checksum"
    assert error_of(DocumentType.FOREIGNER_PERMANENT, "US4417800615").code == "id_format"


def test_passport_and_permits():
    assert parse_document(DocumentType.PASSPORT, "e 1234 5678").number == "E12345678"
    assert error_of(DocumentType.PASSPORT, "E12").code == "id_format"
    assert parse_document(DocumentType.HK_MACAO_PERMIT, "H12345678").number == "H12345678"
    assert error_of(DocumentType.HK_MACAO_PERMIT, "X12345678").code == "id_format"
    assert parse_document(DocumentType.TAIWAN_PERMIT, "12345678").number == "12345678"
    assert error_of("驾驶证", "123").code == "id_type"


# --- Member.clean ------------------------------------------------------------------------


def member(tree, **fields):
    values = {
        "name": "陈小梅", "id_number": WOMAN, "union": tree.nanen_joint, "joined_on": date(2020, 1, 1),
    }
    values.update(fields)
    return Member(**values)


def test_member_clean_fills_birth_date_and_gender(tree):
    person = member(tree, id_number=WOMAN.lower().replace("0", "０"), mobile="+86 138-0013 8000".replace("-", " "))
    person.clean()
    assert person.id_number == WOMAN
    assert person.birth_date == date(1990, 3, 7)
    assert person.gender == "女"
    assert person.mobile == "13800138000"


def test_member_clean_rejects_mismatches(tree):
    person = member(tree, birth_date=date(1990, 3, 8), gender="男")
    with pytest.raises(ValidationError) as raised:
        person.clean()
    errors = raised.value.message_dict
    assert set(errors) == {"birth_date", "gender"}
    assert "1990-03-07" in errors["birth_date"][0]


def test_member_clean_reports_id_errors_on_the_field(tree):
    person = member(tree, id_number=wrong_check(WOMAN), gender="女")
    with pytest.raises(ValidationError) as raised:
        person.clean()
    assert raised.value.message_dict["id_number"] == error_of(RESIDENT, wrong_check(WOMAN)).messages


def test_member_clean_age_and_future_join(tree):
    with pytest.raises(ValidationError) as raised:
        member(tree, joined_on=date(2005, 1, 1)).clean()  # she was 14
    assert "joined_on" in raised.value.message_dict
    with pytest.raises(ValidationError) as raised:
        member(tree, joined_on=date(2999, 1, 1)).clean()
    assert "joined_on" in raised.value.message_dict


# --- Mobile numbers, masking, spreadsheet damage -----------------------------------------


def test_mobile_normalisation():
    assert normalize_mobile("138 0013 8000") == "13800138000"
    assert normalize_mobile("+8613800138000") == "13800138000"
    assert normalize_mobile("１３８００１３８０００") == "13800138000"
    for bad in ("12345678901", "1380013800", "138001380001", "0662-3312345"):
        with pytest.raises(ValidationError):
            normalize_mobile(bad)


def test_masking():
    # The masks of organizations.personal; why they keep this little: README, "Personal
    # data", and tests/test_personal_data.py.
    number = "441702199001011" + "23X"
    assert mask_document(number) == "*" * 16 + "3X"
    assert mask_document(WOMAN) == "*" * 16 + WOMAN[-2:]
    assert mask_document("E1234567") == "******67"
    assert mask_document("E1234") == "*****"
    assert mask_document("") == ""
    assert mask_mobile("13800138000") == "*******8000"
    assert mask_mobile("") == ""
    assert mask_birth_date(date(1985, 5, 17)) == "1985"
    assert mask_birth_date("1985-05-17") == "1985"
    assert mask_birth_date(None) == ""
    assert mask_place("广东省阳江市江城区") == "广东***"
    assert mask_place("") == ""


def test_looks_mangled_by_excel():
    assert looks_mangled_by_excel(4.41702199003070e17)
    assert looks_mangled_by_excel("4.41702E+17")
    assert looks_mangled_by_excel("4.41702e17")
    # Floating point zeroed the last three digits: the check character no longer fits.
    zeroed = WOMAN[:15] + "000"
    assert id_check(zeroed[:17]) != "0"
    assert looks_mangled_by_excel(zeroed)
    assert not looks_mangled_by_excel(WOMAN)
    assert not looks_mangled_by_excel(wrong_check(WOMAN))  # a typo, not Excel


# --- Unified social credit codes (GB 32100-2015) -----------------------------------------

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_sum(first17):
    return sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS))


def test_valid_credit_codes():
    for first17 in ("91441700MA4W12345", "81441702MC0012347", "12441700456789012"):
        code = first17 + credit_code_check_character(first17)
        # The check character makes the weighted sum of all 18 a multiple of 31.
        assert (credit_sum(first17) + CREDIT_ALPHABET.index(code[17])) % 31 == 0
        assert normalize_credit_code(code) == code
        validate_credit_code(code.lower())


def test_check_character_zero_when_the_sum_divides_evenly():
    first17 = next(
        f"91441700MA4W1{a}{b}{c}{d}"
        for a in "0123456789" for b in "0123456789" for c in "0123456789" for d in "0123456789"
        if credit_sum(f"91441700MA4W1{a}{b}{c}{d}") % 31 == 0
    )
    assert credit_code_check_character(first17) == "0"
    assert normalize_credit_code(first17 + "0") == first17 + "0"


def test_wrong_credit_check_character():
    first17 = "91441700MA4W12345"
    right = credit_code_check_character(first17)
    wrong = "1" if right != "1" else "2"
    with pytest.raises(ValidationError) as raised:
        normalize_credit_code(first17 + wrong)
    assert raised.value.code == "credit_code_checksum"
    assert right in " ".join(raised.value.messages)


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters(letter):
    code = f"91441700MA4W{letter}2345"
    code += CREDIT_ALPHABET[0]
    with pytest.raises(ValidationError) as raised:
        normalize_credit_code(code)
    assert raised.value.code == "credit_code_characters"


def test_credit_code_length_and_full_width():
    with pytest.raises(ValidationError) as raised:
        normalize_credit_code("91441700MA4W1234")
    assert raised.value.code == "credit_code_length"
    code = "91441700MA4W12345" + credit_code_check_character("91441700MA4W12345")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    assert normalize_credit_code(full_width) == code


def test_union_codes_start_with_81():
    union = "81441702MC0012347" + credit_code_check_character("81441702MC0012347")
    validate_union_credit_code(union)
    company = "91441700MA4W12345" + credit_code_check_character("91441700MA4W12345")
    with pytest.raises(ValidationError) as raised:
        validate_union_credit_code(company)
    assert raised.value.code == "credit_code_not_union"
