#!/usr/bin/env python3
"""Writes N cooperatives as an import CSV (the columns of POST /imports/cooperatives), numbered
from START, spread over the towns given (comma-separated), every USCC valid (GB 32100 check
character) and unique per number.

    python3 bench/gen_coops.py N START 500119001,500119002,... > file.csv
"""
import csv
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
REGION = "500119"
INDUSTRIES = ["ancient_tree_tea", "blueberry", "square_bamboo_shoot", "herbal_medicine", "nanchuan_rice"]


def uscc(n):
    first = f"93{REGION}MA{n:07d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(first, WEIGHTS))
    return first + ALPHABET[(31 - total % 31) % 31]


def main():
    n, start, towns = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["name", "uscc", "town_code", "industry_codes", "legal_representative", "phone",
                  "established_on", "registered_capital_fen", "address", "business_scope"])
    for i in range(start, start + n):
        out.writerow([f"南川区基准{i}号专业合作社", uscc(i), towns[i % len(towns)],
                      INDUSTRIES[i % len(INDUSTRIES)], "张三", "13812345678",
                      f"{2010 + i % 15}-03-18", 50_000_000 + i % 1000, "金山村3组", "茶叶种植与销售"])


if __name__ == "__main__":
    main()
