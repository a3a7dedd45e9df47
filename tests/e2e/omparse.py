# SPDX-License-Identifier: GPL-2.0
"""Read a running bpfprom's /metrics as OpenMetrics with python3-prometheus-client's
parser (prometheus_client.openmetrics.parser) and print what it understood in
the lines tests/e2e/refparse prints for text and protobuf:

    omparse.py URL ACCEPT

"content-type: ..." first, then sorted "family NAME TYPE" and
"sample NAME{LABEL="VALUE",...} VALUE" lines. A counter family is named with
its _total (as text and protobuf name it), "unknown" is "untyped", and
numbers (label le and quantile included) are printed with %.17g. A family
without samples is not printed, as expfmt's text parser does not keep one."""
import math
import sys
import urllib.request

from prometheus_client.openmetrics.parser import text_string_to_metric_families


def num(v):
    v = float(v)
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return "%.17g" % v


def quote(v):
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: omparse.py URL ACCEPT")
    req = urllib.request.Request(sys.argv[1], headers={"Accept": sys.argv[2]})
    with urllib.request.urlopen(req, timeout=10) as resp:
        ctype = resp.headers["Content-Type"]
        body = resp.read().decode("utf-8")
    out = []
    for fam in text_string_to_metric_families(body):
        name = fam.name + "_total" if fam.type == "counter" else fam.name
        typ = "untyped" if fam.type == "unknown" else fam.type
        # expfmt's text parser drops a family that has no sample (a labelled
        # family before its first series): do as it does, to compare
        if not fam.samples:
            continue
        out.append("family %s %s" % (name, typ))
        for s in fam.samples:
            labels = []
            for k, v in s.labels.items():
                labels.append("%s=%s" % (k, quote(num(v) if k in ("le", "quantile") else v)))
            labels.sort()
            out.append("sample %s{%s} %s" % (s.name, ",".join(labels), num(s.value)))
    print("content-type: " + ctype)
    for line in sorted(out):
        print(line)


main()
