#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn iscsi-test-cu verbose output (CUnit basic mode) into one TAP result per test.

Usage: target-cunit-tap.py FAMILY LOGFILE
Prints unnumbered lines ("ok - FAMILY.Suite.Test", "not ok - ... : reasons",
"ok - ... # SKIP <reason printed by the test>"); the caller numbers them.
A test libiscsi reports as passed after printing "[SKIPPED] ..." is a skip: it did not
exercise the target. A run that ends without CUnit's summary (crash, timeout) adds a
failing line so a truncated run can never look green.
"""
import re
import sys

family, path = sys.argv[1], sys.argv[2]
text = open(path, errors="replace").read()

suite = None
results = []          # (name, status, detail)
cur = None            # [name, collected text]
lines = text.splitlines()
i = 0
summary_seen = "Run Summary:" in text


def finish(name, body, status, reasons):
    skip = re.search(r"\[SKIPPED\]\s*(.*)", body)
    if status == "passed" and skip:
        results.append((name, "skip", skip.group(1).strip() or "skipped by the test"))
    elif status == "passed":
        results.append((name, "ok", ""))
    else:
        results.append((name, "fail", "; ".join(reasons) or "failed"))


while i < len(lines):
    line = lines[i]
    m = re.match(r"^Suite: (\S+)", line)
    if m:
        suite = m.group(1)
        i += 1
        continue
    m = re.match(r"^  Test: (\S+) \.\.\.(.*)$", line)
    if m and suite:
        name = f"{family}.{suite}.{m.group(1)}"
        body = [m.group(2)]
        status = None
        # The verdict ends the test's output: "passed" or "FAILED", possibly after log text.
        while True:
            last = body[-1]
            mm = re.search(r"(?<!\[)\b(passed|FAILED)\b(?!\])", last)
            if mm:
                status = mm.group(1)
                body[-1] = last[:mm.start()]
                break
            i += 1
            if i >= len(lines):
                break
            if re.match(r"^(Suite: |  Test: |Run Summary:)", lines[i]):
                i -= 1
                break
            body.append(lines[i])
        reasons = []
        if status == "FAILED":
            while i + 1 < len(lines) and re.match(r"^\s+\d+\. ", lines[i + 1]):
                i += 1
                reasons.append(re.sub(r"^\s+\d+\.\s+", "", lines[i]).strip())
        if status is None:
            results.append((name, "fail", "no verdict (run interrupted)"))
        else:
            finish(name, "\n".join(body), status, reasons)
    i += 1

for name, status, detail in results:
    detail = detail.replace("#", "")
    if status == "ok":
        print(f"ok - {name}")
    elif status == "skip":
        print(f"ok - {name} # SKIP {detail}")
    else:
        print(f"not ok - {name}: {detail}")
if not summary_seen:
    print(f"not ok - {family}: iscsi-test-cu did not finish (no run summary, see log)")
if not results:
    print(f"not ok - {family}: no test results parsed")
