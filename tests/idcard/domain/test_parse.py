"""Field parsing on recorded OCR line sets: (text, box, score) in rectified-card pixels
(856 × 540), as RapidOCR returned them on the shared specimens and on synthetic cards."""

from __future__ import annotations

from idrenew.idcard.domain.parse import (
    RawLine,
    detect_side,
    items_from,
    parse_back,
    parse_front,
)

W, H = 856, 540


def _box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


# specimen_chineseocr_demo.jpeg, after turning it upright (labels merged with values).
CHINESEOCR: list[RawLine] = [
    ("姓名代用名", [[50, 91], [251, 87], [252, 125], [51, 129]], 0.998),
    ("性别男", [[53, 160], [181, 157], [182, 191], [54, 195]], 1.000),
    ("民族汉", [[245, 155], [364, 153], [365, 187], [246, 190]], 0.997),
    ("出生", [[54, 224], [157, 224], [157, 255], [54, 255]], 0.999),
    ("2013年05月06日", [[140, 223], [456, 215], [457, 248], [141, 255]], 0.998),
    ("住址 湖南省长沙市开福区巡道街", [[55, 289], [518, 279], [518, 314], [56, 325]], 0.954),
    ("幸福小区居民组", [[149, 327], [365, 323], [366, 357], [150, 360]], 0.992),
    ("公民身份证号码", [[60, 459], [257, 455], [258, 488], [61, 492]], 0.999),
    ("430512198908131367", [[305, 454], [758, 443], [759, 478], [306, 489]], 0.998),
]

# specimen_qbc_erha.jpg: 民族 read as 民, 住址 split from its value.
ERHA: list[RawLine] = [
    ("姓名二哈", [[53, 70], [229, 67], [230, 111], [54, 113]], 0.981),
    ("性别男", [[56, 139], [196, 139], [196, 177], [56, 177]], 0.970),
    ("民汉", [[234, 136], [386, 136], [386, 177], [234, 177]], 0.996),
    ("出生2015年03月08日", [[55, 206], [444, 201], [444, 241], [56, 245]], 0.985),
    ("住址", [[61, 284], [164, 284], [164, 312], [61, 312]], 0.759),
    ("河南省安阳市文峰区", [[152, 284], [427, 284], [427, 317], [152, 317]], 0.984),
    ("公民身份号码", [[59, 456], [259, 456], [259, 495], [59, 495]], 0.999),
    ("410502201503081234", [[307, 452], [730, 452], [730, 487], [307, 487]], 0.998),
]

# A synthetic front: labels and values apart, a two-line address, a name with a dot.
SYNTH_FRONT: list[RawLine] = [
    ("姓名", _box(53, 73, 126, 105), 0.998),
    ("买买提·艾力", _box(144, 70, 327, 109), 0.993),
    ("性别", _box(53, 137, 127, 169), 0.999),
    ("男", _box(146, 137, 178, 168), 1.000),
    ("民族满", _box(252, 134, 379, 171), 0.999),
    ("出生", _box(53, 201, 119, 232), 0.998),
    ("1982年6月28日", _box(149, 201, 409, 230), 0.999),
    ("住址", _box(53, 263, 119, 296), 0.997),
    ("广东省深圳市南山区科技", _box(149, 262, 474, 295), 0.996),
    ("园南路18号", _box(147, 302, 300, 338), 0.999),
    ("公民身份号码", _box(55, 450, 199, 480), 0.997),
    ("110105198206285910", _box(288, 454, 623, 483), 0.999),
]

SYNTH_BACK: list[RawLine] = [
    ("中华人民共和国", _box(304, 76, 605, 122), 1.000),
    ("居民身份证", _box(334, 163, 628, 219), 0.999),
    ("签发机关", _box(190, 395, 291, 426), 0.999),
    ("郑州市公安局金水分局", _box(332, 394, 627, 427), 0.998),
    ("有效期限", _box(190, 459, 290, 489), 1.000),
    ("2017.04.04-2037.04.04", _box(331, 460, 638, 486), 0.997),
]


def _front(lines: list[RawLine]) -> dict[str, str]:
    return parse_front(lines, W, H).fields


def test_chineseocr_specimen_as_read() -> None:
    assert _front(CHINESEOCR) == {
        "name": "代用名",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "2013-05-06",
        "address": "湖南省长沙市开福区巡道街幸福小区居民组",
        "id_number": "430512198908131367",  # as printed: fails the check digit (rules' job)
    }


def test_erha_specimen() -> None:
    parsed = parse_front(ERHA, W, H)
    assert parsed.fields == {
        "name": "二哈",
        "sex": "男",
        "ethnicity": "汉",
        "birth_date": "2015-03-08",
        "address": "河南省安阳市文峰区",
        "id_number": "410502201503081234",
    }
    assert set(parsed.confidence) == set(parsed.fields)
    assert all(0 < v <= 1 for v in parsed.confidence.values())


def test_synthetic_front_two_line_address_and_dotted_name() -> None:
    fields = _front(SYNTH_FRONT)
    assert fields["name"] == "买买提·艾力"
    assert fields["ethnicity"] == "满"
    assert fields["birth_date"] == "1982-06-28"
    assert fields["address"] == "广东省深圳市南山区科技园南路18号"


def test_misread_label_is_cut_by_position() -> None:
    lines = [
        *ERHA[:4],
        ("佳地河南省安阳市文峰区", [[55, 258], [401, 261], [400, 294], [54, 291]], 0.908),
        *ERHA[6:],
    ]
    assert _front(lines)["address"] == "河南省安阳市文峰区"


def test_value_never_mixed_with_label_at_value_position() -> None:
    lines = [("姓名", _box(53, 73, 126, 105), 0.99), ("名张三", _box(144, 70, 260, 109), 0.9)]
    # "名" at the value position is the label's tail only when it starts the text
    assert _front(lines)["name"] == "张三"


def test_number_ocr_confusions_only_in_the_number() -> None:
    lines = [
        *SYNTH_FRONT[:-1],
        ("11O1O5l982O6285gl0", _box(288, 454, 623, 483), 0.95),
    ]
    parsed = parse_front(lines, W, H)
    assert parsed.fields["id_number"] == "110105198206285910"
    assert parsed.confidence["id_number"] < 0.95  # changed characters lower the confidence
    assert parsed.fields["name"] == "买买提·艾力"


def test_number_with_label_merged_and_lower_x() -> None:
    lines = [*SYNTH_FRONT[:-2], ("公民身份号码 11010519820628591x", _box(55, 450, 623, 483), 0.97)]
    assert _front(lines)["id_number"] == "11010519820628591X"


def test_number_reported_as_read_even_if_invalid() -> None:
    lines = [*SYNTH_FRONT[:-1], ("110105198206285911", _box(288, 454, 623, 483), 0.99)]
    assert _front(lines)["id_number"] == "110105198206285911"


def test_sex_and_ethnicity_in_one_line_multi_char_ethnicity() -> None:
    lines = [
        ("姓名", _box(53, 73, 126, 105), 0.99),
        ("热依拉", _box(144, 70, 260, 109), 0.99),
        ("性别女民旗维吾尔", _box(53, 137, 420, 169), 0.93),
        ("出生1990年1月2日", _box(53, 201, 409, 230), 0.99),
        ("住址新疆乌鲁木齐市天山区", _box(53, 263, 474, 296), 0.99),
    ]
    fields = _front(lines)
    assert fields["sex"] == "女"
    assert fields["ethnicity"] == "维吾尔"
    assert fields["birth_date"] == "1990-01-02"
    assert fields["address"] == "新疆乌鲁木齐市天山区"
    assert "id_number" not in fields  # missing, not invented


def test_portrait_text_is_ignored() -> None:
    lines = [*SYNTH_FRONT, ("SAMPLE", _box(600, 150, 760, 190), 0.9)]
    assert _front(lines)["address"] == "广东省深圳市南山区科技园南路18号"


def test_back() -> None:
    parsed = parse_back(SYNTH_BACK, W, H)
    assert parsed.fields == {
        "issuer": "郑州市公安局金水分局",
        "valid_from": "2017.04.04",
        "valid_to": "2037.04.04",
    }


def test_back_long_term_merged_labels() -> None:
    lines = [
        *SYNTH_BACK[:2],
        ("签发机关上海市公安局浦东分局", _box(190, 395, 640, 426), 0.97),
        ("有效期限2010.O3.09-长期", _box(190, 459, 600, 489), 0.96),
    ]
    assert parse_back(lines, W, H).fields == {
        "issuer": "上海市公安局浦东分局",
        "valid_from": "2010.03.09",
        "valid_to": "长期",
    }


def test_detect_side() -> None:
    assert detect_side(items_from(ERHA, W, H)) == "front"
    assert detect_side(items_from(CHINESEOCR, W, H)) == "front"
    assert detect_side(items_from(SYNTH_BACK, W, H)) == "back"
    other = [("招商银行", _box(50, 50, 300, 100), 0.99), ("VISA", _box(600, 400, 800, 480), 0.9)]
    assert detect_side(items_from(other, W, H)) is None
    assert detect_side([]) is None


def test_name_holding_min_is_the_name_row() -> None:
    """A name with 民 in it (徐民) is not taken for the sex/ethnicity row (民族)."""
    from idrenew.idcard.domain.parse import parse_front

    def box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
        return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]

    lines = [
        ("姓名徐民", box(60, 40, 220, 75), 0.99),
        ("性别男民族汉", box(60, 95, 330, 130), 0.99),
        ("出生1990年1月2日", box(60, 150, 400, 185), 0.99),
        ("住址北京市东城区某路1号", box(60, 205, 500, 240), 0.99),
        ("公民身份号码110101199001020011", box(100, 430, 800, 470), 0.99),
    ]
    fields = parse_front(lines, 856, 540).fields
    assert fields["name"] == "徐民"
    assert fields["sex"] == "男"
    assert fields["ethnicity"] == "汉"


# --- cards laid out a little differently (#12): the label found by its text, not at a fixed x


def test_issuer_starting_close_to_its_label_keeps_every_character() -> None:
    """The value starts just right of 签发机关 (left of where the classic layout's values
    start): nothing of it is taken for the label."""
    lines: list[RawLine] = [
        ("签发机关", _box(170, 400, 280, 428), 0.999),
        ("杭州市公安局西湖分局", _box(287, 395, 590, 428), 0.998),
        ("有效期限", _box(170, 458, 280, 486), 0.999),
        ("2019.03.01-2039.03.01", _box(287, 455, 600, 486), 0.997),
    ]
    assert parse_back(lines, W, H).fields["issuer"] == "杭州市公安局西湖分局"


def test_issuer_merged_with_its_label_or_with_the_label_misread() -> None:
    for read in ("签发机关杭州市公安局西湖分局", "签发机美杭州市公安局西湖分局"):
        lines: list[RawLine] = [
            (read, _box(172, 396, 600, 428), 0.99),
            ("有效期限", _box(172, 458, 280, 486), 0.999),
            ("2019.03.01-2039.03.01", _box(300, 455, 600, 486), 0.997),
        ]
        assert parse_back(lines, W, H).fields["issuer"] == "杭州市公安局西湖分局", read


def test_front_values_close_to_the_labels_and_the_column_moved_left() -> None:
    """Labels at x 42, values from x 112 (the classic layout put them at 60 and 160): the
    name, the first address line and the continuation line keep their first characters."""
    lines: list[RawLine] = [
        ("姓名", _box(42, 60, 104, 90), 0.998),
        ("朱彩莲", _box(112, 55, 210, 92), 0.995),
        ("性别", _box(42, 118, 104, 146), 0.999),
        ("女", _box(112, 116, 142, 146), 0.999),
        ("民族", _box(220, 118, 282, 146), 0.999),
        ("汉", _box(318, 116, 348, 146), 0.999),
        ("出生", _box(42, 176, 104, 204), 0.999),
        ("1988年3月9日", _box(112, 172, 380, 204), 0.998),
        ("住址", _box(42, 236, 104, 264), 0.999),
        ("云南省曲靖市麒麟区迎发东", _box(112, 230, 440, 266), 0.996),
        ("路367号团华小区26栋", _box(112, 274, 420, 310), 0.995),
        ("2328号", _box(112, 318, 200, 352), 0.995),
        ("公民身份号码", _box(42, 448, 190, 478), 0.998),
        ("530302198803091227", _box(272, 440, 760, 480), 0.999),
    ]
    fields = _front(lines)
    assert fields["name"] == "朱彩莲"
    assert fields["address"] == "云南省曲靖市麒麟区迎发东路367号团华小区26栋2328号"


def test_label_merged_with_the_value_is_cut_wherever_the_column_is() -> None:
    lines: list[RawLine] = [
        ("姓名朱彩莲", _box(75, 55, 260, 92), 0.995),
        ("性别女", _box(75, 116, 190, 146), 0.999),
        ("民族汉", _box(260, 116, 380, 146), 0.999),
        ("出生1988年3月9日", _box(75, 172, 430, 204), 0.998),
        ("佳址云南省曲靖市麒麟区迎发", _box(76, 230, 520, 266), 0.996),
        ("东路367号", _box(190, 274, 330, 310), 0.995),
        ("530302198803091227", _box(300, 440, 760, 480), 0.999),
    ]
    fields = _front(lines)
    assert fields["name"] == "朱彩莲"
    assert fields["address"] == "云南省曲靖市麒麟区迎发东路367号"


def test_label_box_overlapping_the_value_box_adds_nothing_to_the_value() -> None:
    """Recorded on a wide-variety card: the detector boxed 姓名 with the left half of 姚,
    read as 女, while the value's own box reads 姚堂洁."""
    lines: list[RawLine] = [
        ("姓名女", _box(56, 54, 157, 87), 0.783),
        ("姚堂洁", _box(136, 52, 253, 96), 0.993),
        ("性别女", _box(51, 106, 182, 153), 0.998),
        ("民族汉", _box(250, 110, 401, 158), 0.994),
        ("出生", _box(51, 168, 110, 196), 0.999),
        ("1952年5月8日", _box(138, 165, 380, 198), 0.998),
    ]
    assert _front(lines)["name"] == "姚堂洁"
