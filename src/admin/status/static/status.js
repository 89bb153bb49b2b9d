/* paysidecar status page: polls /status/data.json every second and draws the ring with uPlot. */
(function () {
  'use strict';
  var C = { blue: '#0072b2', vermillion: '#d55e00', green: '#009e73', orange: '#b86e00', sky: '#3b93cf', purple: '#cc79a7', black: '#1b1b1b' };
  var MIB = 1024 * 1024;
  var state = { seq: 0, capacity: 900, intervalMs: 1000, frames: [], agent: false };
  var charts = [];

  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    return v.toFixed(digits === undefined ? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2) : digits);
  }
  /* Axis ticks: as few digits as the value needs (0, 50, 1.5), not the legend's fixed decimals. */
  function ticks(u, vals) { return vals.map(function (v) { return v === null || v === undefined ? '' : String(+v.toFixed(3)); }); }
  function sum(obj) { var s = 0; for (var k in obj) s += obj[k]; return s; }
  function text(el, s) { el.textContent = s; return el; }
  function cell(tr, value, cls) { var td = document.createElement('td'); if (cls) td.className = cls; text(td, value); tr.appendChild(td); return td; }
  function fill(tbody, rows) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  function row(cls, dataset) {
    var tr = document.createElement('tr');
    if (cls) tr.className = cls;
    for (var k in dataset || {}) tr.dataset[k] = dataset[k];
    return tr;
  }
  function clock(epochMs) { return new Date(epochMs).toLocaleTimeString(); }

  /* One chart: a title, a y-axis label with its unit, series as [label, colour, pick(frame), dash?, scale?]. */
  function chart(id, title, yLabel, series, opts) {
    opts = opts || {};
    var el = document.getElementById(id);
    var scales = { x: { time: true } };
    // The time axis draws two lines of values (time, then the date where it changes): room for both above its label.
    var axes = [{ label: 'time (local)', labelSize: 18, size: 52 }, { label: yLabel, labelSize: 18, size: 56, values: ticks }];
    if (opts.right) {
      scales[opts.right.scale] = { range: opts.right.range };
      axes.push({ scale: opts.right.scale, side: 1, label: opts.right.label, labelSize: 18, size: 56, grid: { show: false }, values: ticks });
    }
    scales.y = { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } };
    var u = new uPlot({
      title: title,
      width: el.clientWidth || 600,
      height: 200,
      scales: scales,
      axes: axes,
      legend: { live: true },
      series: [{ label: 'time', value: function (u, v) { return v === null ? '–' : new Date(v * 1000).toLocaleTimeString(); } }].concat(series.map(function (s) {
        return { label: s[0], stroke: s[1], width: 2, dash: s[3] ? [6, 4] : undefined, scale: s[4] || 'y', spanGaps: false, value: function (u, v) { return num(v); } };
      })),
    }, [[]].concat(series.map(function () { return []; })), el);
    charts.push({ u: u, el: el, pick: series.map(function (s) { return s[2]; }) });
  }

  function traffic(t, field) { return function (f) { var x = f.traffic[t]; return x ? x[field] : null; }; }
  function gcKind(kind) { return function (f) { var v = f.runtime.gcMsPerSecond[kind]; return v === undefined ? 0 : v; }; }
  function agent(pick) { return function (f) { return f.agent && f.agent.up ? pick(f.agent) : null; }; }

  chart('c-rps', 'Requests', 'req/s', [
    ['prod', C.blue, traffic('prod', 'rps')],
    ['stress', C.vermillion, traffic('stress', 'rps'), true],
  ]);
  chart('c-errors', '5xx answers', '5xx/s', [
    ['prod', C.blue, traffic('prod', 'errorsPerSecond')],
    ['stress', C.vermillion, traffic('stress', 'errorsPerSecond'), true],
  ]);
  chart('c-latency', 'Latency over the last minute', 'ms', [
    ['prod p50', C.green, traffic('prod', 'p50Ms')],
    ['prod p95', C.blue, traffic('prod', 'p95Ms')],
    ['prod p99', C.black, traffic('prod', 'p99Ms')],
    ['stress p99', C.vermillion, traffic('stress', 'p99Ms'), true],
  ]);
  chart('c-failures', 'Upstream errors, rejected stress markers, shed', 'requests/s', [
    ['upstream errors', C.black, function (f) { return sum(f.upstreamErrorsPerSecond); }],
    ['stress rejected', C.purple, function (f) { return sum(f.rejectionsPerSecond); }],
    ['shed', C.orange, function (f) { return sum(f.shedPerSecond); }],
  ]);
  chart('c-loop', 'Event loop (sidecar)', 'utilisation %', [
    ['utilisation', C.blue, function (f) { return f.runtime.eventLoopUtilization * 100; }],
    ['delay p99', C.vermillion, function (f) { return f.runtime.delayP99Ms; }, false, 'ms'],
    ['delay max', C.orange, function (f) { return f.runtime.delayMaxMs; }, true, 'ms'],
  ], { right: { scale: 'ms', label: 'delay ms', range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } });
  chart('c-gc', 'GC pauses by kind', 'ms per s', [
    ['sidecar minor', C.blue, gcKind('minor')],
    ['sidecar major', C.vermillion, gcKind('major')],
    ['sidecar incremental', C.green, gcKind('incremental')],
    ['app (all kinds)', C.purple, agent(function (a) { return sum(a.gcMsPerSecond); }), true],
  ]);
  chart('c-cpu', 'CPU', 'cores', [
    ['sidecar', C.blue, function (f) { return f.runtime.cpuCores; }],
    ['app', C.purple, agent(function (a) { return a.cpuCores; }), true],
  ]);
  chart('c-memory', 'Memory', 'MiB', [
    ['sidecar heap', C.blue, function (f) { return f.runtime.heapUsed / MIB; }],
    ['sidecar RSS', C.sky, function (f) { return f.runtime.rss / MIB; }],
    ['app heap', C.purple, agent(function (a) { return a.heapUsed / MIB; }), true],
    ['app RSS', C.orange, agent(function (a) { return a.rss / MIB; }), true],
  ]);

  function draw() {
    var frames = state.frames;
    var xs = frames.map(function (f) { return f.t; });
    charts.forEach(function (c) {
      c.u.setData([xs].concat(c.pick.map(function (pick) { return frames.map(pick); })));
    });
  }

  function countTable(id, counts) {
    var keys = Object.keys(counts).filter(function (k) { return Math.round(counts[k]) > 0; }).sort();
    var rows = keys.map(function (k) { var tr = row('', { key: k }); cell(tr, k); cell(tr, num(counts[k], 0)); return tr; });
    if (!rows.length) { var tr = row('none'); cell(tr, 'none'); cell(tr, ''); rows.push(tr); }
    fill(document.querySelector('#' + id + ' tbody'), rows);
  }

  function recentTable(id, list, last) {
    if (!list.length) {
      var none = row('none');
      cell(none, 'none').colSpan = 7;
      return fill(document.querySelector('#' + id + ' tbody'), [none]);
    }
    fill(document.querySelector('#' + id + ' tbody'), list.map(function (r) {
      var tr = row(r.traffic, { traffic: r.traffic, traceId: r.traceId });
      cell(tr, r.traffic);
      cell(tr, clock(r.at), 'text');
      cell(tr, r.method, 'text');
      cell(tr, r.route, 'route');
      cell(tr, String(r.status));
      cell(tr, last(r));
      cell(tr, r.traceId, 'trace');
      return tr;
    }));
  }

  function tables(data) {
    var f = state.frames[state.frames.length - 1];
    if (!f) return;
    var routes = data.routes.slice().sort(function (a, b) { return a.traffic === b.traffic ? (a.route < b.route ? -1 : 1) : a.traffic < b.traffic ? -1 : 1; });
    fill(document.querySelector('#routes tbody'), routes.map(function (r) {
      var tr = row(r.traffic, { traffic: r.traffic, route: r.route });
      cell(tr, r.traffic);
      cell(tr, r.route, 'route');
      cell(tr, num(r.minuteRps), 'rps');
      cell(tr, r.minuteErrorRatio === null ? '–' : num(r.minuteErrorRatio * 100, 2) + ' %', 'errors');
      cell(tr, num(r.p50Ms), 'p50');
      cell(tr, num(r.p95Ms), 'p95');
      cell(tr, num(r.p99Ms), 'p99');
      cell(tr, String(r.count), 'count');
      return tr;
    }));
    var classes = Object.keys(f.inflight).concat(Object.keys(f.shedPerSecond)).filter(function (t, i, a) { return a.indexOf(t) === i; }).sort();
    fill(document.querySelector('#inflight tbody'), classes.map(function (t) {
      var tr = row(t, { traffic: t }); cell(tr, t); cell(tr, num(f.inflight[t] || 0, 0)); cell(tr, num(f.shedPerSecond[t] || 0)); return tr;
    }));
    countTable('upstream-errors', f.minute.upstreamErrors);
    countTable('rejections', f.minute.rejections);
    var states = Object.keys(f.tcp).filter(function (s) { return f.tcp[s] > 0; }).sort();
    var tcpRows = states.map(function (s) { var tr = row('', { state: s }); cell(tr, s); cell(tr, String(f.tcp[s])); return tr; });
    if (!tcpRows.length) { var none = row('none'); cell(none, 'no readings (host metrics off: --host-interval 0)').colSpan = 2; tcpRows.push(none); }
    fill(document.querySelector('#tcp tbody'), tcpRows);
    var ul = document.querySelector('#advice ul');
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    (data.advice.length ? data.advice : [{ message: 'none: the kernel settings the sidecar checks are fine' }]).forEach(function (a) {
      var li = document.createElement('li'); if (a.fix) li.className = 'warn'; text(li, a.message); ul.appendChild(li);
    });
    recentTable('slowest', data.recent.slowest, function (r) { return num(r.durationMs, 1); });
    recentTable('failed', data.recent.failed, function (r) { return r.errorType || '–'; });
    var note = document.getElementById('agent-note');
    if (!state.agent) text(note, '(start with --agent-metrics to see the app beside the sidecar)');
    else text(note, f.agent && f.agent.up ? '(app series from the agent, dashed)' : '(the agent does not answer)');
  }

  var failures = 0;
  function poll() {
    fetch('/status/data.json?since=' + state.seq, { cache: 'no-store' }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (data) {
      failures = 0;
      state.capacity = data.capacity;
      state.intervalMs = data.intervalMs;
      state.agent = data.agent;
      if (data.frames.length) {
        state.frames = state.frames.concat(data.frames).slice(-state.capacity);
        state.seq = data.frames[data.frames.length - 1].seq;
        document.body.dataset.seq = String(state.seq);
      }
      draw();
      tables(data);
      text(document.getElementById('updated'), 'updated ' + new Date().toLocaleTimeString() + ' · ' + state.frames.length + ' s of history (ring: ' + Math.round(state.capacity * state.intervalMs / 60000) + ' min)');
    }).catch(function (err) {
      failures++;
      text(document.getElementById('updated'), 'no data: ' + err.message + (failures > 1 ? ' (' + failures + ' tries)' : ''));
    }).then(function () { setTimeout(poll, state.intervalMs); });
  }

  function capture(button) {
    var status = document.getElementById('capture');
    button.disabled = true;
    text(status, 'capturing ' + button.textContent + '…');
    fetch(button.dataset.url, { cache: 'no-store' }).then(function (res) {
      if (!res.ok) return res.json().then(function (e) { throw new Error(e.message || ('HTTP ' + res.status)); }, function () { throw new Error('HTTP ' + res.status); });
      return res.blob();
    }).then(function (blob) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = button.dataset.file;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 10000);
      text(status, 'saved ' + button.dataset.file);
    }).catch(function (err) {
      text(status, 'capture failed: ' + err.message);
    }).then(function () { button.disabled = false; });
  }
  document.getElementById('cpu-profile').addEventListener('click', function (e) { capture(e.currentTarget); });
  document.getElementById('timeline-trace').addEventListener('click', function (e) { capture(e.currentTarget); });

  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.u.setSize({ width: c.el.clientWidth, height: 200 }); });
  });
  poll();
})();
