"""Validators for the codes the register carries: unified social credit codes and
administrative division codes. One module, so every form, import and model uses the
same rules and the same messages."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

DIVISION_CODE_RE = re.compile(r"^(\d{6}|\d{9})$")

_FULL_WIDTH = str.maketrans(
    {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}
)


def to_half_width(value):
    """Full-width digits and letters (typed with a Chinese input method) to ASCII."""
    return value.translate(_FULL_WIDTH)


def credit_code_check_character(first17):
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS)
    )
    # 31 - (total mod 31) is 31 when the total divides evenly; that case maps to "0".
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value):
    """Return the canonical form of a unified social credit code or raise ValidationError."""
    code = to_half_width(str(value)).strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d.")
            % {"count": len(code)},
            code="credit_code_length",
        )
    if not _CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _("The unified social credit code contains characters that are not allowed "
              "(I, O, Z, S and V are never used)."),
            code="credit_code_characters",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character should be %(expected)s.") % {"expected": expected},
            code="credit_code_checksum",
        )
    return code


def validate_credit_code(value):
    normalize_credit_code(value)


def validate_union_credit_code(value):
    """A union registered as a legal person carries a code issued by the union
    registration authority: it starts with 81."""
    code = normalize_credit_code(value)
    if not code.startswith("81"):
        raise ValidationError(
            _("A union's unified social credit code starts with 81."),
            code="credit_code_not_union",
        )


def validate_division_code(value, parent_code=None):
    """6 digits for a city or county, 9 for a town; a child's code starts with its parent's
    county part (the first 6 digits) or, for a county, the parent's first 4."""
    code = str(value)
    if not DIVISION_CODE_RE.match(code):
        raise ValidationError(
            _("A division code has 6 digits (city, county) or 9 digits (town)."),
            code="division_code_format",
        )
    if parent_code:
        prefix = parent_code[:6] if len(code) == 9 else parent_code[:4]
        if not code.startswith(prefix):
            raise ValidationError(
                _("Division code %(code)s does not lie under its parent %(parent)s.")
                % {"code": code, "parent": parent_code},
                code="division_code_parent",
            )
