#!/usr/bin/env python3
"""Writes tests/fixtures/老年人信息登记表.xls: the template of the 一表通 tests
(title, meta line, a 3-row merged header, two blank rows, a footer) in the
old binary Excel format (BIFF8) that departments still send. Run it with the
bench venv after `pip install xlwt`; the file is committed, so the tests need
neither Python nor xlwt."""
import pathlib
import sys

import xlwt

out = pathlib.Path(__file__).resolve().parent.parent / "crates/jianfu-web/tests/fixtures/老年人信息登记表.xls"
wb = xlwt.Workbook(encoding="utf-8")
ws = wb.add_sheet("登记表")
ws.write_merge(0, 0, 0, 5, "老年人信息登记表")
ws.write(1, 0, "填报单位：")
ws.write(1, 3, "填报日期：")
# Header rows 2-4, as in template_header() of tests/reports.rs.
ws.write_merge(2, 4, 0, 0, "序号")
ws.write_merge(2, 2, 1, 4, "老人基本情况")
ws.write_merge(2, 4, 5, 5, "签字")
ws.write_merge(3, 4, 1, 1, "姓名")
ws.write_merge(3, 4, 2, 2, "公民身份号码")
ws.write_merge(3, 3, 3, 4, "联系信息")
ws.write(4, 3, "联系电话")
ws.write(4, 4, "现住址")
ws.write(7, 0, "填表人：")
ws.write(7, 3, "审核人：")
wb.save(str(out))
print(out, file=sys.stderr)
