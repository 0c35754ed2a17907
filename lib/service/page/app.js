// The status page: polls the JSON API once a second and follows a run's log with server-sent events.
'use strict';
const main = document.getElementById('main');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const api = async (path) => (await fetch(path)).json();
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const num = (n) => (n === undefined || n === null ? '' : Math.round(Number(n)).toLocaleString());
const state = (s) => `<span class="state ${esc(s)}">${esc(s)}</span>`;
function duration(r) {
  if (!r.startedAt) return '';
  const ms = (r.endedAt ? Date.parse(r.endedAt) : Date.now()) - Date.parse(r.startedAt);
  return ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60000)} m ${Math.round((ms % 60000) / 1000)} s`;
}
const records = (r) => (r.summary ? r.summary.recordsWritten : r.progress ? r.progress.recordsWritten : undefined);
const rate = (r) => (r.summary ? r.summary.recordsPerSecond : r.progress ? r.progress.recordsPerSecond : undefined);
function progress(r) {
  if (r.state !== 'RUNNING') return '';
  const p = r.progress && r.progress.percent !== undefined ? r.progress.percent : null;
  return p === null ? '<span class="muted">running…</span>' : `<span class="bar" title="${p.toFixed(0)}%"><span style="width:${p.toFixed(1)}%"></span></span> ${p.toFixed(0)}%`;
}
const job = (r) => esc(r.jobName ? `${r.jobName} v${r.jobVersion}` : r.source);

async function home() {
  const [{ runs }, { jobs }, { backfills }] = await Promise.all([api('/api/runs?limit=50'), api('/api/jobs'), api('/api/backfills')]);
  main.innerHTML = `
<h2>Runs</h2>
<table id="runs"><thead><tr><th>#</th><th>State</th><th>Job</th><th>Bizdate</th><th>Started</th><th>Duration</th><th>Records</th><th>Rate /s</th><th>Progress</th></tr></thead><tbody>
${runs.map((r) => `<tr data-run="${r.id}"><td><a href="#/runs/${r.id}">${r.id}</a></td><td>${state(r.state)}</td><td>${job(r)}</td><td>${esc(r.bizdate)}</td><td>${time(r.startedAt)}</td><td class="num">${duration(r)}</td><td class="num">${num(records(r))}</td><td class="num">${num(rate(r))}</td><td>${progress(r)}</td></tr>`).join('') || '<tr><td colspan="9" class="muted">No runs yet.</td></tr>'}
</tbody></table>
<h2>Jobs</h2>
<table id="jobs"><thead><tr><th>Name</th><th>Version</th><th>Schedule</th><th>Next firing</th><th>Updated</th></tr></thead><tbody>
${jobs.map((j) => `<tr><td>${esc(j.name)}</td><td class="num">${j.version}</td><td>${j.cron ? `<code>${esc(j.cron)}</code> ${esc(j.tz ?? '')}` : '<span class="muted">none</span>'}</td><td>${time(j.nextFiring)}</td><td>${time(j.updatedAt)}</td></tr>`).join('') || '<tr><td colspan="5" class="muted">No stored jobs.</td></tr>'}
</tbody></table>
<h2>Backfills</h2>
<table id="backfills"><thead><tr><th>#</th><th>State</th><th>Job</th><th>Days</th><th>Parallel</th><th>Done / failed / waiting</th><th>Per day</th></tr></thead><tbody>
${backfills.map((b) => `<tr><td>${b.id}</td><td>${state(b.state)}</td><td>${esc(b.jobName)}</td><td>${esc(b.from)}–${esc(b.to)}</td><td class="num">${b.parallel}</td><td>${b.counts.succeeded} / ${b.counts.failed} / ${b.counts.waiting}</td><td><div class="days">${b.days.map((d) => (d.runId ? `<a href="#/runs/${d.runId}" class="state ${d.state}" title="${d.state}">${esc(d.bizdate.slice(4))}</a>` : `<span class="state WAITING" title="WAITING">${esc(d.bizdate.slice(4))}</span>`)).join('')}</div></td></tr>`).join('') || '<tr><td colspan="7" class="muted">No backfills.</td></tr>'}
</tbody></table>`;
}

let following = null;
async function runPage(id) {
  const r = await api(`/api/runs/${id}`);
  if (r.error) { main.innerHTML = `<p>${esc(r.error)}</p>`; return; }
  const rows = [['State', state(r.state)], ['Job', job(r)], ['Bizdate', esc(r.bizdate)], ['Why', esc(r.trigger ?? '')], ['Reason', esc(r.reason ?? '')], ['Started', time(r.startedAt)], ['Duration', duration(r)],
    ['Records', num(records(r))], ['Rate /s', num(rate(r))], ['Progress', progress(r)], ['Exit code', esc(r.exitCode ?? '')]];
  const summary = `<dl id="summary">${rows.filter(([, v]) => v !== '').map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
  if (following && following.id === id) {
    document.getElementById('summary').outerHTML = summary;
    return;
  }
  if (following) following.source.close();
  main.innerHTML = `<p><a href="#/">← all runs</a></p><h2>Run ${r.id}</h2>${summary}<h2>Log</h2><pre id="log"></pre>`;
  const log = document.getElementById('log');
  const source = new EventSource(`/api/runs/${id}/log?follow=1`);
  source.addEventListener('line', (e) => {
    const l = JSON.parse(e.data);
    const line = document.createElement('div');
    line.className = l.level;
    line.textContent = `${l.at.replace('T', ' ').replace('Z', '')} ${l.level.padEnd(5)} ${l.message}`;
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  });
  source.addEventListener('end', () => source.close());
  following = { id, source };
}

async function render() {
  const m = /^#\/runs\/(\d+)$/.exec(location.hash);
  try {
    if (m) await runPage(Number(m[1]));
    else {
      if (following) { following.source.close(); following = null; }
      await home();
    }
    const h = await api('/api/health');
    document.getElementById('slots').textContent = `${h.slots.free} of ${h.slots.total} slots free`;
  } catch (err) {
    document.getElementById('slots').textContent = `the server does not answer (${err.message})`;
  }
}
window.addEventListener('hashchange', render);
render();
setInterval(render, 1000);
