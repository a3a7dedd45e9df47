-- SPDX-License-Identifier: GPL-2.0
-- wrk script of the load suite: every request asks for another format
-- (text, OpenMetrics, protobuf, each plain and gzipped, as Prometheus asks),
-- every answer is checked to be a whole body of the format it says it is,
-- and done() prints one line the suite parses:
--   wrk-result requests=N non200=N bad=N connect=N read=N write=N timeout=N
--     text=N om=N pb=N gzip=N p50_us=N p99_us=N max_us=N
local accepts = {
	"",
	"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
	"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
}
local threads = {}
local n = 0
non200, bad, text, om, pb, gzip = 0, 0, 0, 0, 0, 0

function setup(thread)
	table.insert(threads, thread)
end

function request()
	n = n + 1
	local h = {}
	local a = accepts[n % 3 + 1]
	if a ~= "" then h["Accept"] = a end
	if math.floor(n / 3) % 2 == 1 then h["Accept-Encoding"] = "gzip" end
	return wrk.format("GET", nil, h)
end

local function header(headers, name)
	for k, v in pairs(headers) do
		if k:lower() == name then return v end
	end
	return nil
end

function response(status, headers, body)
	if status ~= 200 then
		non200 = non200 + 1
		return
	end
	local ct = header(headers, "content-type") or ""
	local ok
	if header(headers, "content-encoding") == "gzip" then
		gzip = gzip + 1
		-- gzip's magic, and an 8-byte trailer after the deflate stream
		ok = body:sub(1, 2) == "\31\139" and #body > 18
	elseif ct:find("^text/plain") then
		text = text + 1
		ok = body:find("\nbpfprom_scrapes_total ", 1, true) ~= nil and body:sub(-1) == "\n"
	elseif ct:find("^application/openmetrics%-text") then
		om = om + 1
		ok = body:sub(-6) == "# EOF\n"
	elseif ct:find("^application/vnd.google.protobuf") then
		pb = pb + 1
		ok = #body > 0 and body:find("bpfprom_scrapes_total", 1, true) ~= nil
	end
	if not ok then bad = bad + 1 end
end

function done(summary, latency, requests)
	local t = { non200 = 0, bad = 0, text = 0, om = 0, pb = 0, gzip = 0 }
	for _, th in ipairs(threads) do
		for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
	end
	local e = summary.errors
	io.write(string.format(
		"wrk-result requests=%d non200=%d bad=%d connect=%d read=%d write=%d timeout=%d text=%d om=%d pb=%d gzip=%d p50_us=%d p99_us=%d max_us=%d\n",
		summary.requests, t.non200, t.bad, e.connect, e.read, e.write, e.timeout,
		t.text, t.om, t.pb, t.gzip, latency:percentile(50), latency:percentile(99), latency.max))
end
