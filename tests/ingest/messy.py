"""Deliberately messy export files: what real exports look like after a few hands and spreadsheets touched them.

Each writer returns what a correct import must make of the file: per data row, None (imported) or the error code
it must be quarantined with.
"""

from __future__ import annotations

from pathlib import Path

LONG_NAME = "x" * 10_000
LONG_NOTE = "n" * 10_000  # exactly the limit: allowed


def write_messy_customers(path: Path) -> list[str | None]:
    """UTF-8 with a BOM and CRLF, `;`-delimited, some lines in GBK, blank lines, a repeated header, a broken quote,
    an impossible date, 10,000-character fields, emoji and zero-width characters."""
    utf8: list[tuple[str, str | None] | None] = [
        ("ID;Name;Email;Email;Phone;Birthday;Gender;City;Country;Notes", "header"),
        ("1;Jane Doe;Jane.Doe@Example.com;;+1 415-555-0134;1990-02-28;F;San Francisco;US;", None),
        None,  # a GBK line goes here
        ("", "blank"),
        ('3;"Broken, Quote;bq@example.com;;;;;;;', "structure"),
        ("4;Impossible Date;imp@example.com;;;2021-02-30;;;;", "impossible_date"),
        (f"5;{LONG_NAME};long@example.com;;;;;;;", "too_long"),
        (f"6;Anna 🌸 Lee;anna\u200b@example.com;anna.work@example.com;;;;;;{LONG_NOTE}", None),
        ("7;Bad Email;not-an-email;;;;;;;", "invalid_emails"),
        ("8;  ;;;;;;;;", "required"),
        (";;;;;;;;;", "blank"),
        ('9;"Multi\r\nline name";ml@example.com;;;;;;;"line one\r\nline two"', None),
        ("10;Wrong,Delimiter;wd@example.com;;;;;;;;;extra;fields", "structure"),
        ("11;Zero\u200dWidth Name;zw@example.com;;(415) 555-0199;03/04/1988;male;Oakland;USA;", None),
        ("12;NOT A DATE;nd@example.com;;;someday;;;;", "invalid_date"),
        ("13;Bad Phone;bp@example.com;;12;;;;;", "invalid_phones"),
        ("14;Bad Gender;bg@example.com;;;;maybe;;;", "invalid_gender"),
        ("", "blank"),
    ]
    gbk_line = "2;张伟;zhangwei@163.com;;139 1234 5678;1985年6月1日;男;上海;中国;老客户"
    data = bytearray("\ufeff".encode())
    expected: list[str | None] = []
    for item in utf8:
        if item is None:
            data += gbk_line.encode("gbk") + b"\r\n"
            expected.append(None)
            continue
        line, outcome = item
        data += line.encode() + b"\r\n"
        if outcome not in ("header", "blank"):
            expected.append(outcome)
    path.write_bytes(bytes(data))
    return expected


def write_messy_orders(path: Path) -> list[str | None]:
    """A GBK file delimited by `|`, with non-numeric amounts, impossible dates and an unknown customer."""
    lines = [
        ("订单号|邮箱|下单时间|商品编码|数量|单价|运费", "header"),
        ("A-1|jane.doe@example.com|2024-05-01 10:00|SKU-1|2|19.99|0", None),
        ("A-2|jane.doe@example.com|2024-05-02|SKU-2|1|￥1,234.50|10", None),
        ("A-3|jane.doe@example.com|2024-05-03|SKU-1|1|abc|0", "invalid_amount"),
        ("A-4|jane.doe@example.com|2024-13-45|SKU-1|1|5.00|0", "impossible_date"),
        ("A-5|jane.doe@example.com|2024-05-05|SKU-1|two|5.00|0", "invalid_int"),
        ("A-6||2024-05-06|SKU-1|1|5.00|0", "required"),
        ("A-7|jane.doe@example.com|2024-05-07|SKU-1|1|5.00|free", "invalid_amount"),
    ]
    path.write_bytes("\r\n".join(line for line, _ in lines).encode("gbk") + b"\r\n")
    return [outcome for _, outcome in lines if outcome != "header"]
