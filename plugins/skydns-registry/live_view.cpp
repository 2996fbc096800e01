#include "plugins/skydns-registry/live_view.h"

namespace skycore::plugins::skydns_registry {

// Data reaches the document only through textContent: a service's fields
// are whatever its registrant sent.
std::string_view live_view_html() {
  static constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>skycore registry</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; margin: 0 0 .3em; }
  #status { color: #666; margin-bottom: 1em; }
  #status.live::before { content: "\25CF  "; color: #2a2; }
  #status.down::before { content: "\25CF  "; color: #c22; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #ddd; white-space: nowrap; }
  th { background: #f4f4f4; font-weight: 600; }
  tr.env td { background: #eef3fb; font-weight: 600; }
  td.health { font-weight: 600; }
  td.passing { color: #1a7f1a; } td.warning { color: #b7791f; } td.critical { color: #c53030; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  #empty { color: #888; padding: 1em 0; }
</style>
</head>
<body>
<h1>skycore registry</h1>
<div id="status" class="down">connecting…</div>
<table>
  <thead><tr><th>Service</th><th>Version</th><th>Region</th><th>Instance</th><th>Host:Port</th>
  <th>Health</th><th>TTL left</th><th>Last heartbeat</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<div id="empty">No services registered.</div>
<script>
"use strict";
const services = new Map();  // UUID -> service, with _at: when it arrived
const rows = document.getElementById("rows");
const statusLine = document.getElementById("status");

function put(s) { s._at = Date.now(); services.set(s.UUID, s); }
function ttlLeft(s) {
  if (!s.Expires) return null;  // registered without a TTL: never expires
  return Math.max(0, Math.ceil(s.TTL - (Date.now() - s._at) / 1000));
}
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}
function render() {
  const list = [...services.values()].sort((a, b) =>
    (a.Environment + "\0" + a.Name + "\0" + a.Region + "\0" + a.UUID).localeCompare(
      b.Environment + "\0" + b.Name + "\0" + b.Region + "\0" + b.UUID));
  rows.replaceChildren();
  let env = null;
  for (const s of list) {
    if (s.Environment !== env) {
      env = s.Environment;
      const head = document.createElement("tr");
      head.className = "env";
      const td = cell(head, env || "(no environment)");
      td.colSpan = 8;
      rows.appendChild(head);
    }
    const tr = document.createElement("tr");
    tr.dataset.uuid = s.UUID;
    cell(tr, s.Name);
    cell(tr, s.Version);
    cell(tr, s.Region);
    cell(tr, s.UUID);
    cell(tr, s.Host + ":" + s.Port);
    const health = s.Health || "passing";
    cell(tr, s.Health ? health : "no checks", "health " + health);
    cell(tr, "", "num ttl");
    cell(tr, s.Heartbeat ? new Date(s.Heartbeat).toLocaleTimeString() : "—");
    rows.appendChild(tr);
  }
  document.getElementById("empty").hidden = list.length > 0;
  tick();
}
function tick() {
  for (const tr of rows.querySelectorAll("tr[data-uuid]")) {
    const s = services.get(tr.dataset.uuid);
    const left = s && ttlLeft(s);
    tr.querySelector("td.ttl").textContent = left === null ? "∞" : left + " s";
  }
}
setInterval(tick, 1000);

const events = new EventSource("/skydns/events");
events.onopen = () => { statusLine.textContent = "live"; statusLine.className = "live"; };
events.onerror = () => { statusLine.textContent = "reconnecting…"; statusLine.className = "down"; };
events.addEventListener("snapshot", e => {
  services.clear();
  for (const s of JSON.parse(e.data)) put(s);
  render();
});
events.addEventListener("put", e => { put(JSON.parse(e.data)); render(); });
events.addEventListener("delete", e => { services.delete(JSON.parse(e.data).UUID); render(); });
</script>
</body>
</html>
)HTML";
  return kPage;
}

}  // namespace skycore::plugins::skydns_registry
