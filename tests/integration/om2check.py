# SPDX-License-Identifier: GPL-2.0
"""Read what bpfprom wrote in OpenMetrics 2.0 or protobuf, for
tests/integration/starts.sh:

    om2check.py om2 FILE     OpenMetrics 2.0.0 text, checked line by line
                             against the 2.0.0-rc0 draft's ABNF (the subset
                             bpfprom writes: no exemplars, no timestamps)
    om2check.py url URL ACCEPT   the same, fetched, "content-type: ..."
                             first (tests/e2e/omparse.py's interface)
    om2check.py pb FILE      delimited protobuf, each MetricFamily decoded
                             by protoc --decode_raw

Both print sorted "start NAME{LABELS} SECONDS" lines (the start timestamp of
each series that has one, in seconds with three decimals); om2 also prints
"family" and "sample" lines as tests/e2e/omparse.py does (histograms and
summaries written out as their _bucket, _count and _sum samples, a family
without samples left out) and "native" lines,
so that they compare with what python3-prometheus-client's OpenMetrics 1.0
parser read. No parser of OpenMetrics 2.0 is packaged: this one is ours.
An input that breaks the grammar exits 1 naming the line."""
import math
import re
import subprocess
import sys
import urllib.request

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LNAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
ESC = r'(?:[^"\\\n]|\\[n"\\])*'
LABELS = r"\{(?:%s=\"%s\"(?:,%s=\"%s\")*)?\}" % (LNAME, ESC, LNAME, ESC)
REAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?|[0-9]*\.[0-9]+(?:e[+-]?[0-9]+)?)"
NUMBER = r"(?:%s|[+-]?(?:[iI]nf(?:inity)?)|NaN|nan)" % REAL
INT = r"[+-]?[0-9]+"
ST = r"(?: st@(%s))?" % REAL
SPANS = r"%s:[0-9]*[1-9][0-9]*(?:,\+?[0-9]+:[0-9]*[1-9][0-9]*)*" % INT
NATIVE = (r",schema:(%s),zero_threshold:(%s),zero_count:(%s)"
          r"(?:,positive_spans:\[(%s)\],positive_buckets:\[(%s(?:,%s)*)\])?"
          % (INT, REAL, NUMBER, SPANS, NUMBER, NUMBER))
CLASSIC = r",bucket:\[((?:%s:%s,)*)\+Inf:(%s)\]" % (REAL, NUMBER, NUMBER)
HIST = r"\{count:(%s),sum:(%s)(?:%s)?%s\}" % (NUMBER, NUMBER, NATIVE, CLASSIC)
SUMMARY = r"\{count:(%s),sum:(%s),quantile:\[\]\}" % (NUMBER, NUMBER)
TYPES = "counter|gauge|histogram|gaugehistogram|stateset|info|summary|unknown"

RE_TYPE = re.compile(r"# TYPE (%s) (%s)$" % (NAME, TYPES))
RE_UNIT = re.compile(r"# UNIT (%s) ([a-zA-Z0-9_:]*)$" % NAME)
RE_HELP = re.compile(r"# HELP (%s) (%s)$" % (NAME, ESC))
RE_SAMPLE = re.compile(r"(%s)(%s)? (.*)$" % (NAME, LABELS))
RE_NUM = re.compile(r"(%s)%s$" % (NUMBER, ST))
RE_HIST = re.compile(r"%s%s$" % (HIST, ST))
RE_SUMMARY = re.compile(r"%s%s$" % (SUMMARY, ST))
RE_LABEL = re.compile(r'(%s)="(%s)"' % (LNAME, ESC))


def num(v):
    v = float(v)
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return "%.17g" % v


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def series(name, labels, extra=()):
    ls = ["%s=%s" % (k, quote(v)) for k, v in labels] + list(extra)
    return "%s{%s}" % (name, ",".join(sorted(ls)))


def fail(n, line, why):
    sys.exit("om2check: line %d: %s: %r" % (n, why, line))


def om2(path, body=None):
    if body is None:
        body = open(path, encoding="utf-8").read()
    if not body.endswith("# EOF\n"):
        sys.exit("om2check: the exposition does not end with # EOF")
    out, types = [], {}
    fam = None
    lines = body[: -len("# EOF\n")].split("\n")[:-1]
    for n, line in enumerate(lines, 1):
        if line.startswith("#"):
            for rx in (RE_TYPE, RE_UNIT, RE_HELP):
                m = rx.match(line)
                if m:
                    break
            else:
                fail(n, line, "not a TYPE, UNIT or HELP line")
            if m.group(1) != fam:
                if m.group(1) in types:
                    fail(n, line, "a family seen before (interleaved)")
                fam = m.group(1)
                types[fam] = "unknown"
            if rx is RE_TYPE:
                types[fam] = m.group(2)
            continue
        m = RE_SAMPLE.match(line)
        if not m:
            fail(n, line, "not a sample")
        name, lab, rest = m.group(1), m.group(2) or "{}", m.group(3)
        # the draft: a sample is named as its family, exactly
        if name != fam:
            fail(n, line, "a sample not named as its family %s" % fam)
        labels = [(k, unescape(v)) for k, v in RE_LABEL.findall(lab)]
        t = types.get(fam)
        fl = "family %s %s" % (fam, "untyped" if t == "unknown" else t)
        if fl not in out:
            out.append(fl)
        st = None
        if t == "histogram":
            h = RE_HIST.match(rest)
            if not h:
                fail(n, line, "not a histogram value")
            count, total, schema, zt, zc, spans, buckets, classic, inf, st = h.groups()
            if inf != count:
                fail(n, line, "+Inf bucket differs from count")
            for le, v in re.findall(r"(%s):(%s)," % (REAL, NUMBER), classic):
                out.append("sample %s %s" % (series(fam + "_bucket", labels, ['le=%s' % quote(num(le))]), num(v)))
            out.append("sample %s %s" % (series(fam + "_bucket", labels, ['le="+Inf"']), num(inf)))
            out.append("sample %s %s" % (series(fam + "_count", labels), num(count)))
            out.append("sample %s %s" % (series(fam + "_sum", labels), num(total)))
            if schema is not None:
                out.append("native %s schema=%s zero_threshold=%s zero_count=%s spans=%s buckets=%s"
                           % (series(fam, labels), schema, num(zt), zc, spans or "", buckets or ""))
        elif t == "summary":
            s = RE_SUMMARY.match(rest)
            if not s:
                fail(n, line, "not a summary value")
            count, total, st = s.groups()
            out.append("sample %s %s" % (series(fam + "_count", labels), num(count)))
            out.append("sample %s %s" % (series(fam + "_sum", labels), num(total)))
        else:
            v = RE_NUM.match(rest)
            if not v:
                fail(n, line, "not a number")
            if v.group(2) is not None and t != "counter":
                fail(n, line, "a start timestamp on a %s" % t)
            st = v.group(2)
            out.append("sample %s %s" % (series(fam, labels), num(v.group(1))))
        if st is not None:
            if not re.fullmatch(r"[0-9]+\.[0-9]{3}", st):
                fail(n, line, "a start timestamp not in whole milliseconds")
            out.append("start %s %s" % (series(fam, labels), st))
    for line in sorted(out):
        print(line)


def tree(text):
    """protoc --decode_raw's text as nested lists of (field, value)."""
    toks = re.findall(r'"(?:[^"\\]|\\.)*"|[{}]|[0-9]+:|[^\s{}]+', text)
    stack = [[]]
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "}":
            done = stack.pop()
            stack[-1][-1] = (stack[-1][-1][0], done)
        elif t.endswith(":"):
            stack[-1].append((int(t[:-1]), toks[i + 1]))
            i += 1
        else:
            stack[-1].append((int(t), None))
            stack.append([])
            i += 1  # the "{"
        i += 1
    return stack[0]


def field(msg, n):
    # an empty message prints as an empty string
    return [[] if v == '""' else v for f, v in msg if f == n]


def pbstr(s):
    return s[1:-1].encode("latin-1").decode("unicode_escape").encode("latin-1").decode("utf-8")


def pb(path):
    data = open(path, "rb").read()
    out, p = [], 0
    while p < len(data):
        ln, shift = 0, 0
        while True:
            b = data[p]
            p += 1
            ln |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        raw = subprocess.run(["protoc", "--decode_raw"], input=data[p : p + ln],
                             capture_output=True, check=True).stdout.decode("utf-8")
        p += ln
        fam = tree(raw)
        name = pbstr(field(fam, 1)[0])
        for m in field(fam, 4):
            labels = [(pbstr(field(l, 1)[0]), pbstr(field(l, 2)[0]) if field(l, 2) else "")
                      for l in field(m, 1)]
            # Counter 3 (created 3), Summary 4 (created 4), Histogram 7 (created 15)
            for kind, created in ((3, 3), (4, 4), (7, 15)):
                for v in field(m, kind):
                    for ts in field(v, created):
                        sec = int((field(ts, 1) or ["0"])[0])
                        nanos = int((field(ts, 2) or ["0"])[0])
                        if nanos % 1000000:
                            sys.exit("om2check: %s: a start not in whole milliseconds" % name)
                        out.append("start %s %d.%03d" % (series(name, labels), sec, nanos // 1000000))
    for line in sorted(out):
        print(line)


def url(u, accept):
    req = urllib.request.Request(u, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=10) as resp:
        ctype = resp.headers["Content-Type"]
        body = resp.read().decode("utf-8")
    print("content-type: " + ctype)
    om2(None, body)


if len(sys.argv) == 4 and sys.argv[1] == "url":
    url(sys.argv[2], sys.argv[3])
elif len(sys.argv) == 3 and sys.argv[1] in ("om2", "pb"):
    (om2 if sys.argv[1] == "om2" else pb)(sys.argv[2])
else:
    sys.exit("usage: om2check.py om2|pb FILE, om2check.py url URL ACCEPT")
