// report.mjs: turn one `make bench` sitting (scripts/bench.sh) into the table on stdout and
// one JSON file. No dependencies. Usage: node bench/report.mjs <run-dir> <results.json>
// <run-dir> holds meta.json, failures.txt and raw/: harness-<server>-<round>.json
// (spawn_init_timer), probe-<server>-<round>.json (mcp_probe.mjs), crypto-{c,viem}.json, ldd.txt.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const [runDir, outFile] = process.argv.slice(2);
if (!runDir || !outFile) {
  process.stderr.write("usage: node bench/report.mjs <run-dir> <results.json>\n");
  process.exit(2);
}
const raw = path.join(runDir, "raw");
// A file holds one JSON value; tools that log first may leave other lines before it.
const readJson = (f) => {
  let txt;
  try {
    txt = readFileSync(f, "utf8").trim();
  } catch {
    return null;
  }
  try {
    return JSON.parse(txt);
  } catch {
    try {
      return JSON.parse(txt.split("\n").pop());
    } catch {
      return null;
    }
  }
};
const meta = readJson(path.join(runDir, "meta.json")) ?? {};
const failures = existsSync(path.join(runDir, "failures.txt"))
  ? readFileSync(path.join(runDir, "failures.txt"), "utf8").split("\n").filter(Boolean)
  : [];

const SERVERS = [
  { key: "ours", label: "sessionkey-mcp" },
  { key: "go", label: "Go mcp-time" },
  { key: "ts", label: "TS SDK peer" },
  { key: "floor", label: "C floor" },
  { key: "floorlist", label: "floor+our list" },
];

const median = (xs) => {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const range = (xs) => {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : null;
};
const summarize = (xs) => ({ median: median(xs), range: range(xs), runs: xs });

// ---- gather ----------------------------------------------------------------------------------
const files = existsSync(raw) ? readdirSync(raw) : [];
const runsOf = (prefix, key) =>
  files
    .filter((f) => new RegExp(`^${prefix}-${key}-\\d+\\.json$`).test(f))
    .sort((a, b) => parseInt(a.match(/-(\d+)\.json$/)[1]) - parseInt(b.match(/-(\d+)\.json$/)[1]))
    .map((f) => readJson(path.join(raw, f)))
    .filter(Boolean);

const harness = {};
const probe = {};
for (const { key } of SERVERS) {
  const h = runsOf("harness", key);
  if (h.length) {
    harness[key] = {
      spawn_to_init_ms: summarize(h.map((r) => r.spawn_to_initialize_response?.median_ms)),
      eof_to_exit_ms: summarize(h.map((r) => r.stdin_close_to_exit?.median_ms)),
      rounds: h,
    };
  }
  const p = runsOf("probe", key);
  if (p.length) {
    probe[key] = {
      spawn_to_init_ms: summarize(p.map((r) => r.startup?.spawn_to_initialize_response?.median_ms)),
      tools_list_ms: summarize(p.map((r) => r.latency?.tools_list?.median_ms)),
      ping_ms: summarize(p.map((r) => r.latency?.ping?.median_ms)),
      tools_call_ms: summarize(p.map((r) => r.latency?.tools_call?.median_ms)),
      tools_call_is_error: p.map((r) => r.latency?.tools_call?.is_error ?? null),
      tools_list_bytes: p[0].latency?.tools_list_result_bytes ?? null,
      tools_count: p[0].latency?.tools_count ?? null,
      negotiated_protocol_version: p[0].server?.negotiated_protocol_version ?? null,
      idle_vm_hwm_kb: summarize(p.map((r) => r.memory?.idle_after_init_tree_vm_hwm_kb?.median)),
      load_vm_hwm_kb: summarize(p.map((r) => r.memory?.load_connection?.tree_vm_hwm_kb_after_load)),
      eof_to_exit_ms: summarize(p.map((r) => r.startup?.stdin_close_to_exit?.median_ms)),
      requests_on_load_connection:
        1 + 2 * (p[0].params.calls + p[0].params.warmup) + (p[0].params.call_tool ? 1 + p[0].params.calls + p[0].params.warmup : 0),
      probe_loadavg_1m: p.map((r) => r.probe?.loadavg_1m),
      runs: p,
    };
  }
}

// ---- crypto, ldd -----------------------------------------------------------------------------
const crypto = {
  c: readJson(path.join(raw, "crypto-c.json")),
  viem: readJson(path.join(raw, "crypto-viem.json")),
  c_skipped: existsSync(path.join(raw, "crypto-c.skipped")),
  viem_skipped: existsSync(path.join(raw, "crypto-viem.skipped")),
};
const lifecycle = readJson(path.join(raw, "lifecycle.json"));
const gate = readJson(path.join(raw, "gate.json"));
let ldd = null;
if (existsSync(path.join(raw, "ldd.txt"))) {
  const lines = readFileSync(path.join(raw, "ldd.txt"), "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
  const libs = lines.filter((l) => !l.startsWith("linux-vdso")).map((l) => l.split(/\s+/)[0]);
  ldd = { count: libs.length, libs, libcurl: libs.some((l) => /libcurl/.test(l)) };
}

// ---- goals -----------------------------------------------------------------------------------
const g = (obj, ...ks) => ks.reduce((o, k) => (o == null ? null : o[k]), obj);
const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b);
const oursH = g(harness, "ours", "spawn_to_init_ms", "median");
const goH = g(harness, "go", "spawn_to_init_ms", "median");
const verdict = (ok) => (ok == null ? "n/a" : ok ? "met" : "NOT met");
const goals = [];
const goal = (name, value, target, ok, note) => goals.push({ name, value, target, status: verdict(ok), note });
{
  const r = ratio(goH, oursH);
  const per = (g(harness, "go", "spawn_to_init_ms", "runs") ?? []).map((x, i) => ratio(x, g(harness, "ours", "spawn_to_init_ms", "runs")?.[i]));
  goal("startup vs Go (harness)", r == null ? null : `${r.toFixed(1)}x faster (${fmtMs(oursH)} vs ${fmtMs(goH)})`, ">= 4x faster (about 3 ms)", r == null ? null : r >= 4,
    per.length ? `per round ${per.map((x) => (x == null ? "-" : `${x.toFixed(1)}x`)).join(", ")}` : null);
}
{
  const v = g(probe, "ours", "idle_vm_hwm_kb", "median");
  goal("idle peak RSS (VmHWM)", v == null ? null : fmtMB(v), "<= 4 MB", v == null ? null : v <= 4000);
}
{
  const v = g(probe, "ours", "load_vm_hwm_kb", "median");
  const n = g(probe, "ours", "requests_on_load_connection");
  goal(`peak RSS after ${n ?? "?"} requests`, v == null ? null : fmtMB(v), "<= 8 MB", v == null ? null : v <= 8000);
}
{
  const r = ratio(g(probe, "ours", "ping_ms", "median"), g(probe, "floor", "ping_ms", "median"));
  goal("ping vs C floor", r == null ? null : `${r.toFixed(2)}x`, "<= 1.5x", r == null ? null : r <= 1.5);
}
{
  const r = ratio(g(probe, "ours", "tools_list_ms", "median"), g(probe, "floorlist", "tools_list_ms", "median"));
  const r56 = ratio(g(probe, "ours", "tools_list_ms", "median"), g(probe, "floor", "tools_list_ms", "median"));
  goal("tools/list vs C floor (same payload)", r == null ? null : `${r.toFixed(2)}x`, "<= 1.5x", r == null ? null : r <= 1.5,
    r56 == null ? null : `vs the floor's 56-byte list: ${r56.toFixed(2)}x (that ratio also counts the payload size difference)`);
}
{
  const v = g(probe, "ours", "eof_to_exit_ms", "median");
  const h = g(harness, "ours", "eof_to_exit_ms", "median");
  goal("stdin EOF -> exit (probe)", v == null ? null : `${fmtMs(v)} (harness ${fmtMs(h)})`, "<= 2 ms", v == null ? null : v <= 2);
}
if (ldd) goal("libcurl not linked", `${ldd.count} shared libs${ldd.libcurl ? ", libcurl among them" : ", no libcurl"}`, "no libcurl", !ldd.libcurl);

// ---- print -----------------------------------------------------------------------------------
function fmtMs(v) {
  if (v == null) return "-";
  if (v >= 100) return `${v.toFixed(0)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  if (v >= 1) return `${v.toFixed(2)} ms`;
  return `${v.toFixed(3)} ms`;
}
function fmtMB(kb) {
  return kb == null ? "-" : `${(kb / 1000).toFixed(kb >= 100000 ? 0 : 1)} MB`;
}
const pad = (s, n) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s, n) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

const W0 = 30;
const W = 15;
const out = [];
const line = (label, cells) => out.push(pad(label, W0) + cells.map((c) => lpad(c, W)).join(""));
out.push(`sessionkey-mcp bench, ${meta.stamp ?? "?"} (commit ${meta.commit ?? "?"}), ${meta.nproc ?? "?"} CPUs, ` +
  `loadavg ${meta.loadavg_start ?? "?"} -> ${meta.loadavg_end ?? "?"}, network ${meta.netns_isolated ? "isolated (unshare -n)" : "not isolated"}`);
out.push(`median of run medians: harness ${meta.harness_n}x2 rounds, probe ${meta.spawns} spawns + ${meta.calls} calls/method x ${meta.probe_rounds} rounds, interleaved`);
out.push("");
line("", SERVERS.map((s) => s.label));
const cell = (src, key, fmt) => SERVERS.map((s) => fmt(g(src, s.key, key, "median")));
line("spawn->init, harness", SERVERS.map((s) => {
  const r = g(harness, s.key, "spawn_to_init_ms", "runs");
  return r ? r.map((x) => (x == null ? "-" : x >= 100 ? x.toFixed(0) : x.toFixed(1))).join("/") + " ms" : "-";
}));
line("spawn->init, probe", cell(probe, "spawn_to_init_ms", fmtMs));
line("tools/list", cell(probe, "tools_list_ms", fmtMs));
line("  (tools, list bytes)", SERVERS.map((s) => (probe[s.key] ? `${probe[s.key].tools_count}, ${probe[s.key].tools_list_bytes} B` : "-")));
line("ping", cell(probe, "ping_ms", fmtMs));
line("tools/call", SERVERS.map((s) => (g(probe, s.key, "tools_call_ms", "median") == null ? "-" : fmtMs(g(probe, s.key, "tools_call_ms", "median")))));
line("VmHWM idle", cell(probe, "idle_vm_hwm_kb", fmtMB));
line(`VmHWM after load`, cell(probe, "load_vm_hwm_kb", fmtMB));
line("EOF->exit, probe", cell(probe, "eof_to_exit_ms", fmtMs));
line("EOF->exit, harness", cell(harness, "eof_to_exit_ms", fmtMs));
out.push("");
out.push(`tools/call: ours and TS peer list_automations ${JSON.stringify({ walletAddress: "0x5aAe...BeAed" })} ` +
  `(isError ours=${g(probe, "ours", "tools_call_is_error", 0)}, ts=${g(probe, "ts", "tools_call_is_error", 0)}); Go current_time {}. ` +
  `Load connection: ${g(probe, "ours", "requests_on_load_connection") ?? "?"} requests. MB = 1000 kB.`);

// Noise: the widest run-to-run spread among the probe medians.
let worst = null;
for (const s of SERVERS) {
  for (const k of ["spawn_to_init_ms", "tools_list_ms", "ping_ms", "tools_call_ms"]) {
    const r = g(probe, s.key, k, "range");
    if (r && r[0] > 0) {
      const spread = r[1] / r[0] - 1;
      if (!worst || spread > worst.spread) worst = { spread, server: s.label, metric: k };
    }
  }
}
const oursSpread = ["spawn_to_init_ms", "tools_list_ms", "ping_ms"].map((k) => {
  const r = g(probe, "ours", k, "range");
  return r ? `${k.replace("_ms", "")} ${fmtMs(r[0])}..${fmtMs(r[1])}` : null;
}).filter(Boolean);
out.push(`noise: ours run medians ${oursSpread.join(", ")}; widest spread ${worst ? `${(worst.spread * 100).toFixed(0)}% (${worst.server} ${worst.metric.replace("_ms", "")})` : "-"}`);

{
  const rq = g(lifecycle, "request_session_approval", "all", "median_ms");
  goal("request_session_approval median", rq == null ? null : `${fmtMs(rq)} (incl. durable commit)`, "<= 2 ms", rq == null ? null : rq <= 2);
  const lw = g(lifecycle, "list_automations_one_wallet_page_20", "median_ms");
  const lc = g(lifecycle, "list_automations_first_list_per_wallet", "median_ms");
  goal(`list_automations, ${lifecycle?.sessions ?? "?"} sessions stored`, lw == null ? null : `${fmtMs(lw)} warm, ${fmtMs(lc)} first list`, "<= 1 ms for one wallet", lw == null ? null : lw <= 1,
    "warm: the wallet's page was listed before (rendered summaries cached per process); first list renders 20 summaries");
}

{
  const gc = gate?.gate_check_per_s;
  goal("gate decisions/s, one core (check only)", gc == null ? null : `${Math.round(gc).toLocaleString("en-US")}/s`, ">= 200,000/s", gc == null ? null : gc >= 200000,
    gate ? `decode+check ${Math.round(gate.decode_check_per_s).toLocaleString("en-US")}/s; reserve+commit round ${gate.round_us} us (${gate.commits}, ${gate.filesystem})` : null);
  const p99 = gate?.clients_authorize_p99_ms;
  goal("authorize p99, 8 concurrent clients", p99 == null ? null : `${p99} ms (p50 ${gate.clients_authorize_p50_ms} ms)`, "reported", null,
    gate ? `${gate.clients_rounds_per_s} rounds/s; every decision takes the write lock of one session` : null);
}

out.push("");
out.push("Goals (sessionkey-mcp)");
for (const x of goals) {
  out.push(`  ${pad(x.status, 8)} ${pad(x.name, 38)} ${pad(x.value ?? "-", 34)} goal ${x.target}${x.note ? `; ${x.note}` : ""}`);
}
const info = [];
const rTsH = ratio(g(harness, "ts", "spawn_to_init_ms", "median"), oursH);
const rTsP = ratio(g(probe, "ts", "spawn_to_init_ms", "median"), g(probe, "ours", "spawn_to_init_ms", "median"));
const rGoP = ratio(g(probe, "go", "spawn_to_init_ms", "median"), g(probe, "ours", "spawn_to_init_ms", "median"));
const rFlH = ratio(oursH, g(harness, "floor", "spawn_to_init_ms", "median"));
if (rTsH != null) info.push(`startup vs TS peer ${rTsH.toFixed(0)}x (harness), ${rTsP?.toFixed(0) ?? "-"}x (probe)`);
if (rGoP != null) info.push(`vs Go through the probe ${rGoP.toFixed(1)}x (the probe adds ~5 ms of its own)`);
if (rFlH != null) info.push(`ours / C floor startup (harness) ${rFlH.toFixed(2)}x`);
if (info.length) out.push(`  info: ${info.join("; ")}`);

out.push("");
out.push("Crypto (one run each, ~1 s per figure)");
const ck = ["keccak_1mib_mb_s", "keccak_64b_mb_s", "sign_recover_per_s"];
if (crypto.c || crypto.viem) {
  out.push(`  ${pad("", 22)}${lpad("C (libskm)", 14)}${lpad("viem", 14)}${lpad("C/viem", 10)}`);
  for (const k of ck) {
    const a = crypto.c?.[k];
    const b = crypto.viem?.[k];
    const f = (v) => (v == null ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
    out.push(`  ${pad(k, 22)}${lpad(f(a), 14)}${lpad(f(b), 14)}${lpad(a != null && b ? `${(a / b).toFixed(1)}x` : "-", 10)}`);
  }
}
if (crypto.c_skipped) out.push("  bench_crypto.c not present: skipped");
if (crypto.viem_skipped) out.push("  bench_crypto_viem.mjs not present: skipped");
if (ldd) out.push(`\nldd build/sessionkey-mcp: ${ldd.count} shared libraries (${ldd.libs.map((l) => l.replace(/^.*\//, "")).join(", ")}); libcurl ${ldd.libcurl ? "LINKED" : "not linked"}`);
if (failures.length) {
  out.push("");
  out.push("Could not run:");
  for (const f of failures) out.push(`  - ${f}`);
}
out.push(`\nwall time ${meta.wall_s ?? "?"} s. Compare only within one sitting (see bench/README.md).`);

const result = { meta, failures, goals, harness, probe, crypto, lifecycle, gate, ldd, table: out.join("\n") };
writeFileSync(outFile, JSON.stringify(result, null, 1) + "\n");
process.stdout.write(out.join("\n") + "\n");
