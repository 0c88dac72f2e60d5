"""A public view of N certificates made quickly, for the public site's benchmark (issue 25) at 1,000,000.

``bench/scale.py`` walks every certification through the application, which on this machine writes about 3,500
events a second: two hours for the million certificates the issue measures at. The public site reads only the public
view (``public_certificates`` and the name suffixes' index ``public_name_suffixes``), so this fills that view
directly, as ``bench/public_lookup.py`` does for the lookup:

1. a few dozen certifications are walked through the application (``scale.load``) and the views rebuilt, so that
   their documents are exactly what the projection writes;
2. N certificates are copied from them (``COPY``), each with a number, an organisation name and a USCC of its own
   and the status of one in forty changed (suspended, withdrawn, cancelled, expired), with every suffix of its name
   in ``public_name_suffixes`` as the projection writes them; the suffixes' primary key is built after the copy.

The names are varied as real ones are (a place, a two-character firm name, a trade, a company form: 示例 is not in
them), so that a search by a fragment finds a few or a few thousand, not all of them as the walked names'
"示例能源有限公司N" would. The documents' ``verify_url`` tokens are the templates' (a lookup does not check them).

    .venv/bin/python bench/public_view.py --database public1m --certificates 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scale import PG, load, prepared  # noqa: E402  (this folder)

from projections.public_certificates import directory_fields  # noqa: E402
from registry.identifiers import USCC_CHARSET, uscc_check_character  # noqa: E402

PLACES = ("北京", "上海", "天津", "重庆", "广州", "深圳", "杭州", "南京", "苏州", "武汉", "成都", "西安", "郑州",
          "济南", "青岛", "大连", "沈阳", "长春", "哈尔滨", "石家庄", "太原", "呼和浩特", "合肥", "福州", "厦门",
          "南昌", "长沙", "南宁", "海口", "贵阳", "昆明", "拉萨", "兰州", "西宁", "银川", "乌鲁木齐", "宁波",
          "无锡", "唐山", "鄂尔多斯")
CHARACTERS = ("华", "中", "国", "新", "东", "南", "西", "北", "金", "宏", "盛", "泰", "安", "兴", "达", "鑫", "源",
              "恒", "信", "瑞", "丰", "祥", "隆", "远", "创", "德", "益", "天", "海", "山", "龙", "凤", "长", "明",
              "光", "辉", "晨", "星", "阳", "春", "和", "平", "正", "通", "鼎", "诚", "明", "宇", "航", "峰", "林",
              "江", "河", "湖", "石", "云", "川", "汇", "联", "合", "建", "发", "展", "成", "永", "久", "美", "佳",
              "博", "智", "科", "技", "开", "元", "力", "嘉", "利", "广", "大", "荣", "旭", "耀", "晟", "昌", "卓",
              "越", "优", "精", "铭", "睿", "康", "富", "万", "亿", "千", "百", "宝", "聚", "立", "邦", "豪", "锦")
TRADES = ("电力", "热力", "能源", "新能源", "钢铁", "水泥", "化工", "石化", "有色金属", "造纸", "玻璃", "陶瓷",
          "纺织", "食品", "汽车制造", "电子", "物流", "建材", "煤业", "燃气")
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "科技有限公司")
CHANGED = ("suspended", "withdrawn", "cancelled", "expired")
TEMPLATES = 60


def name_of(chosen: random.Random) -> str:
    return (chosen.choice(PLACES) + chosen.choice(CHARACTERS) + chosen.choice(CHARACTERS) + chosen.choice(TRADES)
            + chosen.choice(FORMS))


def uscc_of(chosen: random.Random) -> str:
    body = "9111" + "0105" + "".join(chosen.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)


def fill(database: str, certificates: int) -> None:
    url = f"{PG}/{database}"
    started = time.perf_counter()
    load(database, TEMPLATES, batch=TEMPLATES)
    prepared(url, rebuild=True)
    with psycopg.connect(url, autocommit=True) as conn:
        templates = [json.loads(d) for (d,) in conn.execute("SELECT document FROM public_certificates ORDER BY number")]
        position = int(conn.execute("SELECT MAX(position) FROM public_certificates").fetchone()[0])  # type: ignore[index]
        print(f"{len(templates)} certificates walked as templates in {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("ALTER TABLE public_name_suffixes DROP CONSTRAINT public_name_suffixes_pkey")
        chosen = random.Random(25)
        copied = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as other, conn.cursor() as cur, \
                cur.copy("COPY public_certificates (number, uscc, name, status, valid_until, next_due_by, position, "
                         "document, summary) FROM STDIN") as documents:
            suffixes: list[tuple[str, str]] = []
            for i in range(certificates - len(templates)):
                template = templates[i % len(templates)]
                number = f"{template['number'].rsplit('-', 1)[0]}-{i + 100_000:07d}"
                name, uscc = name_of(chosen), uscc_of(chosen)
                status = template["status"] if chosen.random() >= 0.025 else chosen.choice(CHANGED)
                document = {**template, "number": number, "status": status,
                            "organization": {**template["organization"], "name": name, "uscc": uscc},
                            "verify_url": template["verify_url"].replace(template["number"], number)}
                documents.write_row((number, uscc, name, status, document["valid_until"],
                                     document["surveillance"]["next_due_by"], position,
                                     json.dumps(document, ensure_ascii=False, sort_keys=True),
                                     json.dumps(directory_fields(document), ensure_ascii=False, separators=(",", ":"))))
                suffixes.extend((name[k:], number) for k in range(len(name)))
                if len(suffixes) > 200_000:
                    copy_suffixes(other, suffixes)  # a connection copies one table at a time
            copy_suffixes(other, suffixes)
        print(f"copied {certificates - len(templates):,} certificates in {time.perf_counter() - copied:.0f} s",
              flush=True)
        keyed = time.perf_counter()
        conn.execute("ALTER TABLE public_name_suffixes ADD PRIMARY KEY (suffix, number)")
        conn.execute("VACUUM ANALYZE")
        print(f"the suffixes' key built and the tables analysed in {time.perf_counter() - keyed:.0f} s", flush=True)


def copy_suffixes(conn: psycopg.Connection[tuple[object, ...]], suffixes: list[tuple[str, str]]) -> None:
    with conn.cursor() as cur, cur.copy("COPY public_name_suffixes (suffix, number) FROM STDIN") as copy:
        for row in suffixes:
            copy.write_row(row)
    suffixes.clear()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="public1m")
    parser.add_argument("--certificates", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.database in ("office1m", "office_small"):
        parser.error(f"{args.database} is another benchmark's data set: fill a database of its own")
    fill(args.database, args.certificates)
    return 0


if __name__ == "__main__":
    sys.exit(main())
