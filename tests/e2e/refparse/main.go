// SPDX-License-Identifier: GPL-2.0

// refparse reads a running bpfprom's /metrics with Prometheus's own parsers
// (prometheus/common expfmt: the text 0.0.4 parser and the delimited protobuf
// decoder) and prints what they understood, one sorted line per family and
// per sample, so that a test compares it with what the OpenMetrics parser of
// python3-prometheus-client understood (tests/e2e/omparse.py prints the same
// lines).
//
//	refparse text|proto URL ACCEPT
//
// Lines: "content-type: ..." first, then sorted
//
//	family NAME TYPE
//	sample NAME{LABEL="VALUE",...} VALUE
//	native NAME{...} schema=S zero_threshold=Z zero_count=N spans=OFF:LEN,... deltas=D,...
//
// Counter families keep _total; histograms and summaries are written out as
// their _bucket (cumulative, with +Inf), _sum, _count and quantile samples;
// numbers are printed with %.17g ("+Inf").
package main

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func num(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	if math.IsInf(v, -1) {
		return "-Inf"
	}
	return fmt.Sprintf("%.17g", v)
}

func series(name string, m *dto.Metric, extra ...string) string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	ls = append(ls, extra...)
	sort.Strings(ls)
	return name + "{" + strings.Join(ls, ",") + "}"
}

func dump(fams []*dto.MetricFamily) []string {
	var out []string
	for _, f := range fams {
		name := f.GetName()
		out = append(out, fmt.Sprintf("family %s %s", name, strings.ToLower(f.GetType().String())))
		for _, m := range f.GetMetric() {
			s := func(suffix string, v float64, extra ...string) {
				out = append(out, fmt.Sprintf("sample %s %s", series(name+suffix, m, extra...), num(v)))
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				s("", m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				s("", m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				s("", m.GetUntyped().GetValue())
			case dto.MetricType_SUMMARY:
				for _, q := range m.GetSummary().GetQuantile() {
					s("", q.GetValue(), fmt.Sprintf("quantile=%q", num(q.GetQuantile())))
				}
				s("_sum", m.GetSummary().GetSampleSum())
				s("_count", float64(m.GetSummary().GetSampleCount()))
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				inf := false
				for _, b := range h.GetBucket() {
					inf = inf || math.IsInf(b.GetUpperBound(), 1)
					s("_bucket", float64(b.GetCumulativeCount()),
						fmt.Sprintf("le=%q", num(b.GetUpperBound())))
				}
				// protobuf leaves +Inf out: the count is its bucket
				if !inf {
					s("_bucket", float64(h.GetSampleCount()), `le="+Inf"`)
				}
				s("_sum", h.GetSampleSum())
				s("_count", float64(h.GetSampleCount()))
				if h.Schema != nil {
					var spans, deltas []string
					for _, sp := range h.GetPositiveSpan() {
						spans = append(spans, fmt.Sprintf("%d:%d", sp.GetOffset(), sp.GetLength()))
					}
					for _, d := range h.GetPositiveDelta() {
						deltas = append(deltas, fmt.Sprint(d))
					}
					out = append(out, fmt.Sprintf("native %s schema=%d zero_threshold=%s zero_count=%d spans=%s deltas=%s",
						series(name, m), h.GetSchema(), num(h.GetZeroThreshold()), h.GetZeroCount(),
						strings.Join(spans, ","), strings.Join(deltas, ",")))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: refparse text|proto URL ACCEPT")
		os.Exit(2)
	}
	req, err := http.NewRequest("GET", os.Args[2], nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refparse:", err)
		os.Exit(1)
	}
	req.Header.Set("Accept", os.Args[3])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "refparse:", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	var fams []*dto.MetricFamily
	switch os.Args[1] {
	case "text":
		var p expfmt.TextParser
		byName, err := p.TextToMetricFamilies(resp.Body)
		if err != nil {
			fmt.Fprintln(os.Stderr, "refparse: text:", err)
			os.Exit(1)
		}
		for _, f := range byName {
			fams = append(fams, f)
		}
	case "proto":
		dec := expfmt.NewDecoder(resp.Body, expfmt.FmtProtoDelim)
		for {
			f := &dto.MetricFamily{}
			if err := dec.Decode(f); err == io.EOF {
				break
			} else if err != nil {
				fmt.Fprintln(os.Stderr, "refparse: protobuf:", err)
				os.Exit(1)
			}
			fams = append(fams, f)
		}
	default:
		fmt.Fprintln(os.Stderr, "refparse: format must be text or proto")
		os.Exit(2)
	}
	fmt.Printf("content-type: %s\n", resp.Header.Get("Content-Type"))
	for _, l := range dump(fams) {
		fmt.Println(l)
	}
}
