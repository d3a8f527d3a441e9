import csv
import io
from decimal import Decimal

from portal.csvexport import BOM, csv_lines, csv_response


def _read(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM):])))


def test_v7_csv_is_utf8_with_bom_and_streams():
    response = csv_response("codes.csv", ["id", "name"], iter([[1, "株式会社サンプル"]]))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="codes.csv"'
    assert _read(response) == [["id", "name"], ["1", "株式会社サンプル"]]


def test_v7_csv_neutralises_formula_injection():
    cells = ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "plain"]
    rows = _read(csv_response("x.csv", ["c"] * len(cells), [cells]))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tcmd", "'\rcmd", "plain"]


def test_csv_numbers_are_not_neutralised():
    rows = _read(csv_response("x.csv", ["amount", "refund"], [[Decimal("-995"), -3]]))
    assert rows[1] == ["-995", "-3"]


def test_csv_rfc4180_quoting_and_crlf():
    lines = list(csv_lines(["a", "b"], [['say "hi"', "x,y"], ["multi\nline", ""]]))
    assert lines[1] == '"say ""hi""","x,y"\r\n'
    assert lines[2] == '"multi\nline",\r\n'


def test_csv_streams_lazily_without_consuming_rows_up_front():
    consumed = []

    def rows():
        for i in range(3):
            consumed.append(i)
            yield [i]

    stream = csv_lines(["n"], rows())
    next(stream)  # header
    assert consumed == []
    next(stream)
    assert consumed == [0]
