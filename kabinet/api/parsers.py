"""Request parsers of the API."""

import codecs
from decimal import Decimal

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json


class DecimalJSONParser(JSONParser):
    """JSON whose numbers with a fraction or an exponent become `Decimal`, never `float`.

    Meter readings (and money) must stay exact: `123.45` in a body is Decimal("123.45"), not the
    nearest binary float 123.4500000000000028…; integers stay `int`. Otherwise exactly DRF's
    JSONParser (the charset check, NaN and Infinity refused).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            decoded_stream = codecs.getreader(encoding)(stream)
            parse_constant = json.strict_constant if self.strict else None
            return json.load(decoded_stream, parse_float=Decimal, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
