// The nas-pipeline web UI: three views over the controller's REST API (experiments, one experiment, one trial), live
// through the experiment's Server-Sent Events. Everything shown comes from /api/v1 with the token the user entered;
// data is put into the page as text, never as HTML.
'use strict';
(() => {
  const C = { orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442', blue: '#0072B2',
    vermillion: '#D55E00', purple: '#CC79A7', grey: '#999999', black: '#000000' };
  const query = new URLSearchParams(location.search);
  const ANIMATE = query.get('animations') !== 'off' && !matchMedia('(prefers-reduced-motion: reduce)').matches;
  if (!ANIMATE) document.documentElement.classList.add('no-animations');
  const PAGE_SIZE = Math.min(500, Math.max(1, Number(query.get('pageSize')) || 50));
  const METRIC_LABELS = { accuracy: 'accuracy', testAccuracy: 'test accuracy', latencyMs: 'latency p50 (ms)',
    sizeBytes: 'bytes', params: 'params', macs: 'MACs' };
  let token = sessionStorage.getItem('nas.token') || '';
  let closers = [];

  // ---- helpers ----------------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const enc = encodeURIComponent;
  // ECharts tooltips take HTML: anything from the data is escaped first
  const esc = v => String(v).replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
  const num = (v, digits) => v === null || v === undefined ? '–' : Number(v).toFixed(digits);
  const int = v => v === null || v === undefined ? '–' : Math.round(Number(v)).toLocaleString('en-US');
  const sig = v => v === null || v === undefined ? '–' : Number(v).toPrecision(4);
  function age(ms) {
    if (!ms) return '–';
    const s = Math.max(0, (Date.now() - ms) / 1000);
    return s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86400)} d`;
  }
  function metricOf(m, name) {
    if (!m) return null;
    return name === 'latencyMs' ? m.latencyMsP50 : m[name];
  }
  function fmtMetric(name, v) {
    if (v === null || v === undefined) return '–';
    if (name === 'accuracy' || name === 'testAccuracy') return num(v, 4);
    if (name === 'latencyMs') return num(v, 3);
    return int(v);
  }
  // A rung as the tables show it: "2 (9 ep)"; – when there is none.
  // 13,500 → 13.5k, 216,000 → 216k, 1,250,000 → 1.3M: a rung's training examples in a narrow column
  const shortCount = n => n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${+(n / 1e3).toFixed(1)}k` : String(n);
  // "2 (9 ep)", or "2 (108k ex)" when the rungs count training examples
  const rungText = (rung, epochs, examples) => rung === null || rung === undefined ? '–'
    : examples !== null && examples !== undefined ? `${rung} (${shortCount(examples)} ex)` : `${rung} (${epochs} ep)`;
  function notice(text) {
    document.getElementById('notice').textContent = text || '';
  }
  function statusBadge(s) {
    return el('span', { class: `status status-${s}`, text: s });
  }
  function progressBar(done, max) {
    const pct = max > 0 ? Math.min(100, (100 * done) / max) : 0;
    return el('span', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': max, 'aria-valuenow': done,
      'aria-label': `${done} of ${max} trials` }, el('span', { style: `width:${pct.toFixed(1)}%` }));
  }
  function debounce(fn, ms) {
    let t = null;
    const d = () => { clearTimeout(t); t = setTimeout(fn, ms); };
    closers.push(() => clearTimeout(t));
    return d;
  }

  class ApiError extends Error {
    constructor(status, errors) {
      super(errors.map(e => `${e.path}: ${e.message}`).join('; ') || `HTTP ${status}`);
      this.status = status;
      this.errors = errors;
    }
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (token) headers.Authorization = `Bearer ${token}`;
    const body = document.body.dataset;
    body.requests = String(Number(body.requests || 0) + 1); // requests in progress, for tests' failure messages
    let res;
    let text;
    try {
      res = await fetch(path, Object.assign({}, options, { headers }));
      text = await res.text();
    } finally {
      body.requests = String(Number(body.requests) - 1);
    }
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (!res.ok) {
      const errors = json && Array.isArray(json.errors) ? json.errors : [{ path: '$', message: `HTTP ${res.status}` }];
      if (res.status === 401) notice('This controller needs an API token: enter it at the top right.');
      throw new ApiError(res.status, errors);
    }
    return json;
  }

  // Server-Sent Events through fetch, so the bearer token goes in a header; reconnects after 2 s and tells the view,
  // which then reads afresh what it may have missed.
  function live(id, onEvent, onReconnect) {
    return follow(`/api/v1/experiments/${enc(id)}/events`, onEvent, onReconnect);
  }

  function follow(url, onEvent, onReconnect) {
    let stopped = false;
    let abort = null;
    document.body.dataset.live = 'connecting';
    (async () => {
      let first = true;
      while (!stopped) {
        abort = new AbortController();
        try {
          const headers = token ? { Authorization: `Bearer ${token}` } : {};
          const res = await fetch(url, { headers, signal: abort.signal });
          if (res.status === 200 && res.body) {
            document.body.dataset.live = 'connected';
            if (!first) onReconnect();
            first = false;
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
            let buf = '';
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              buf += value;
              let i;
              while ((i = buf.indexOf('\n\n')) >= 0) {
                const block = buf.slice(0, i);
                buf = buf.slice(i + 2);
                let kind = 'message';
                let data = '';
                for (const line of block.split('\n')) {
                  if (line.startsWith('event:')) kind = line.slice(6).trim();
                  else if (line.startsWith('data:')) data += line.slice(5).trim();
                }
                if (!data) continue;
                let event;
                try { event = JSON.parse(data); } catch (e) { continue; }
                try { onEvent(kind, event); } catch (e) { console.error('live event', e); }
              }
            }
          } else if (res.status === 401 || res.status === 404) {
            document.body.dataset.live = 'refused';
            return;
          }
        } catch (e) {
          if (stopped) return;
        }
        document.body.dataset.live = 'reconnecting';
        await new Promise(r => setTimeout(r, 2000));
      }
    })();
    closers.push(() => { stopped = true; if (abort) abort.abort(); delete document.body.dataset.live; });
  }

  function chart(node) {
    if (typeof echarts === 'undefined') {
      // a controller built without node/npm has no vendored ECharts: the tables work, the charts say why they are empty
      node.textContent = 'Charts are unavailable: this controller was built without node and npm, which vendor ECharts at build time.';
      return new Proxy({}, { get: () => () => {} });
    }
    const c = echarts.init(node, null, { renderer: 'canvas' });
    // when the first complete drawing of data ended (progressive rendering included), for the first-view benchmark
    c.on('finished', () => {
      if (node.dataset.hasData && !node.dataset.firstFinishedAt) node.dataset.firstFinishedAt = performance.now().toFixed(1);
    });
    const resize = () => c.resize();
    addEventListener('resize', resize);
    closers.push(() => { removeEventListener('resize', resize); c.dispose(); });
    return c;
  }

  // Runs draw() once node is in view, and on every later call; until then a call only marks it due. Charts below
  // the fold cost nothing for the first view of a large experiment.
  function whenVisible(node, draw) {
    let visible = false;
    let due = false;
    const observer = new IntersectionObserver(entries => {
      if (!visible && entries.some(e => e.isIntersecting)) {
        visible = true;
        observer.disconnect();
        if (due) draw();
      }
    });
    observer.observe(node);
    closers.push(() => observer.disconnect());
    return () => { if (visible) draw(); else due = true; };
  }

  function crumbs(...parts) {
    const nav = document.getElementById('crumbs');
    nav.replaceChildren(...parts.flatMap((p, i) => (i ? [' / ', p] : [p])));
  }

  // ---- experiments ------------------------------------------------------------------------------------------
  async function experimentsView(view) {
    crumbs(el('span', { text: 'experiments' }));
    const tbody = el('tbody');
    const table = el('table', { id: 'experiments', 'aria-label': 'Experiments' },
      el('thead', {}, el('tr', {}, ['id', 'name', 'status', 'progress', 'best accuracy', 'hypervolume', 'front', 'tenant', 'age']
        .map(h => el('th', { scope: 'col', class: ['best accuracy', 'hypervolume', 'front', 'age'].includes(h) ? 'num' : null, text: h })))),
      tbody);
    const textarea = el('textarea', { id: 'spec', spellcheck: 'false', 'aria-label': 'Experiment spec (JSON)',
      placeholder: '{"schemaVersion": 1, "name": …}' });
    const errors = el('ul', { id: 'submit-errors', class: 'errors', 'aria-live': 'polite' });
    const form = el('form', { id: 'submit-form', onsubmit: e => { e.preventDefault(); submit(textarea, errors); } },
      el('h2', { text: 'Submit an experiment' }),
      el('p', { class: 'muted', text: 'The spec is validated by the REST API; errors name their JSON path (click one to find it).' }),
      textarea, el('div', { class: 'actions' }, el('button', { type: 'submit', id: 'submit', text: 'Submit' })), errors);
    view.replaceChildren(el('h1', { text: 'Experiments' }), table, form);
    const rows = new Map();
    const render = s => {
      const done = s.completed + s.failed;
      const tr = el('tr', { 'data-id': s.id },
        el('td', {}, el('a', { href: `#/experiments/${enc(s.id)}`, text: s.id })),
        el('td', { text: s.name || '' }),
        el('td', {}, statusBadge(s.status)),
        el('td', {}, progressBar(done, s.maxTrials), ` ${done}/${s.maxTrials}`),
        el('td', { class: 'num', text: num(s.bestAccuracy, 4) }),
        el('td', { class: 'num', text: sig(s.hypervolume) }),
        el('td', { class: 'num', text: s.paretoFrontSize }),
        el('td', { text: s.tenant || '–' }),
        el('td', { class: 'num', text: age(s.startedAtMillis) }));
      const old = rows.get(s.id);
      if (old) old.replaceWith(tr); else tbody.append(tr);
      rows.set(s.id, tr);
    };
    const list = await api('/api/v1/experiments');
    list.sort((a, b) => (b.startedAtMillis || 0) - (a.startedAtMillis || 0)).forEach(render);
    if (!list.length) tbody.append(el('tr', {}, el('td', { colspan: 9, class: 'muted', text: 'No experiments yet.' })));
    document.body.dataset.ready = 'experiments';
    // live: the running and paused rows follow their experiments' events, all through one stream (a browser opens
    // only a few connections per host; a stream each would starve the page's own requests)
    const followed = list.filter(s => s.status === 'running' || s.status === 'paused').slice(0, 100).map(s => s.id);
    if (followed.length) {
      const refreshers = new Map(followed.map(id => [id, debounce(async () => render(await api(`/api/v1/experiments/${enc(id)}`)), 300)]));
      follow(`/api/v1/events?ids=${followed.map(enc).join(',')}`, (kind, e) => {
        const refresh = refreshers.get(e.experimentId);
        if (kind === 'experiment' && refresh) refresh();
      }, () => refreshers.forEach(r => r()));
    }
  }

  async function submit(textarea, errors) {
    errors.replaceChildren();
    try {
      const r = await api('/api/v1/experiments', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: textarea.value });
      location.hash = `#/experiments/${enc(r.id)}`;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      errors.replaceChildren(...e.errors.map(err => el('li', { 'data-path': err.path },
        el('a', { href: '#', onclick: ev => { ev.preventDefault(); selectPath(textarea, err.path); } }, el('code', { text: err.path })),
        `: ${err.message}`)));
    }
  }

  // Selects the last key of a JSON path (a.b[2].c) in the editor, as close as a text search gets.
  function selectPath(textarea, path) {
    const keys = path.replace(/\[\d+\]/g, '').split('.').filter(k => k && k !== '$');
    let from = 0;
    for (const k of keys) {
      const at = textarea.value.indexOf(`"${k}"`, from);
      if (at >= 0) from = at;
    }
    const key = keys[keys.length - 1];
    textarea.focus();
    if (key) textarea.setSelectionRange(from, from + key.length + 2);
  }

  // ---- one experiment ---------------------------------------------------------------------------------------
  async function experimentView(view, id) {
    crumbs(el('a', { href: '#/', text: 'experiments' }), el('span', { text: id }));
    // the three reads start together: the controller decodes the experiment once for all of them
    const summaryFetch = api(`/api/v1/experiments/${enc(id)}`);
    const pointsFetch = api(`/api/v1/experiments/${enc(id)}/points`);
    pointsFetch.catch(() => {}); // reported by the summary's failure, or when awaited below
    const table = trialTable(id);
    const tableLoad = table.load();
    let summary = await summaryFetch;
    const cards = el('div', { class: 'cards', id: 'summary' });
    const renderSummary = () => {
      const done = summary.completed + summary.failed;
      const card = (label, value, key) => el('div', { class: 'card', 'data-key': key },
        el('div', { class: 'label', text: label }), el('div', { class: 'value' }, value));
      cards.replaceChildren(...[card('status', statusBadge(summary.status), 'status'),
        card('trials', el('span', {}, progressBar(done, summary.maxTrials), ` ${done}/${summary.maxTrials}`), 'progress'),
        card('in flight', String(summary.inFlight), 'inFlight'), card('failed', String(summary.failed), 'failed'),
        card('best accuracy', num(summary.bestAccuracy, 4), 'best'), card('hypervolume', sig(summary.hypervolume), 'hypervolume'),
        card('Pareto front', String(summary.paretoFrontSize), 'front'), card('tenant', summary.tenant || '–', 'tenant'),
        card('age', age(summary.startedAtMillis), 'age'), card('strategy', summary.strategy, 'strategy'),
        summary.scheduler ? card('scheduler', schedulerText(summary.scheduler), 'scheduler') : null].filter(c => c));
      const active = summary.status === 'running' || summary.status === 'paused';
      pause.disabled = summary.status !== 'running';
      resume.disabled = summary.status !== 'paused';
      cancel.disabled = !active;
    };
    const actionError = el('span', { id: 'action-result', role: 'status' });
    const act = async (method, path, label) => {
      actionError.textContent = '';
      try {
        await api(`/api/v1/experiments/${enc(id)}${path}`, { method });
        actionError.textContent = `${label} requested`;
      } catch (e) {
        actionError.textContent = e.message;
      }
    };
    const pause = el('button', { id: 'pause', text: 'Pause', onclick: () => act('POST', '/pause', 'pause') });
    const resume = el('button', { id: 'resume', text: 'Resume', onclick: () => act('POST', '/resume', 'resume') });
    const confirmCancel = el('button', { id: 'confirm-cancel', hidden: true, text: 'Really cancel: stop running trials',
      onclick: () => { confirmCancel.hidden = true; act('DELETE', '', 'cancel'); } });
    const cancel = el('button', { id: 'cancel', text: 'Cancel…', onclick: () => { confirmCancel.hidden = false; confirmCancel.focus(); } });
    const csv = el('button', { id: 'csv', text: 'Download CSV', onclick: () => downloadCsv(id) });
    renderSummary();

    const scatterNode = el('div', { id: 'scatter', class: 'chart', role: 'img', 'aria-label': 'Pareto scatter' });
    const historyNode = el('div', { id: 'history', class: 'chart', role: 'img', 'aria-label': 'Best accuracy and hypervolume' });
    const parallelNode = el('div', { id: 'parallel', class: 'chart wide', role: 'img', 'aria-label': 'Parallel coordinates' });
    const xSelect = el('select', { id: 'x-axis', 'aria-label': 'Horizontal axis' });
    const ySelect = el('select', { id: 'y-axis', 'aria-label': 'Vertical axis' });
    const historyMode = el('select', { id: 'history-mode', 'aria-label': 'History axis' },
      el('option', { value: 'trials', text: 'over trials' }), el('option', { value: 'time', text: 'over time' }));
    view.replaceChildren(el('h1', { text: `${summary.name || id}` }), cards,
      el('div', { class: 'actions' }, pause, resume, cancel, confirmCancel, csv, actionError),
      el('h2', { text: 'Trials' }), table.node,
      el('div', { class: 'charts' },
        el('section', {}, el('h2', { text: 'Pareto front' }),
          el('div', { class: 'toolbar' }, el('label', {}, 'x ', xSelect), el('label', {}, 'y ', ySelect),
            el('span', { class: 'muted' }, el('span', { class: 'legend-swatch', style: `background:${C.blue}` }), 'front ',
              el('span', { class: 'legend-swatch', style: `background:${C.grey}` }), 'dominated ',
              el('span', { class: 'legend-swatch', style: `background:${C.vermillion}` }), 'infeasible')),
          scatterNode),
        el('section', {}, el('h2', { text: 'Best accuracy and hypervolume' }), el('div', { class: 'toolbar' }, historyMode), historyNode)),
      el('section', {}, el('h2', { text: 'Parallel coordinates: genes and metrics' }), parallelNode));

    await tableLoad; // the table's height settles first, so the charts below the fold are drawn when scrolled to
    const pareto = paretoChart(chart(scatterNode), xSelect, ySelect);
    const history = historyChart(chart(historyNode), historyMode);
    const parallel = parallelChart(chart(parallelNode));
    const loadPoints = async given => {
      const points = await (given || api(`/api/v1/experiments/${enc(id)}/points`));
      // marks for the first-view benchmark (docs/benchmarks.md): where the time goes
      performance.mark('nas:points-read');
      pareto.load(points);
      performance.mark('nas:scatter-drawn');
      history.load(points.history);
      parallel.load(points);
      performance.mark('nas:parallel-drawn');
    };
    await Promise.all([tableLoad, loadPoints(pointsFetch)]);
    document.body.dataset.readyAt = performance.now().toFixed(1);
    document.body.dataset.ready = 'experiment';

    const refreshSummary = debounce(async () => { summary = await api(`/api/v1/experiments/${enc(id)}`); renderSummary(); }, 200);
    const refreshTable = debounce(() => table.load(), 300);
    const refreshParallel = debounce(async () => parallel.load(await api(`/api/v1/experiments/${enc(id)}/points`)), 5000);
    live(id, (kind, e) => {
      if (kind !== 'experiment') return;
      refreshSummary();
      if (e.type === 'trial-scheduled' || e.type === 'trial-finished') refreshTable();
      if (e.type === 'trial-finished') {
        if (e.status === 'completed' && e.metrics) pareto.add(e.trialId, e.metrics);
        history.add(e.trialId, e.status === 'completed' && e.metrics ? e.metrics.accuracy : null);
        refreshParallel();
      } else if (e.type === 'pareto-front-changed') {
        pareto.front(e.front);
        history.hypervolume(e.hypervolume);
        table.front(e.front);
      }
    }, () => { refreshSummary(); refreshTable(); loadPoints(null); });
  }

  async function downloadCsv(id) {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const res = await fetch(`/api/v1/experiments/${enc(id)}/trials?format=csv`, { headers });
    if (!res.ok) { notice(`CSV: HTTP ${res.status}`); return; }
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: `${id}-trials.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // The trial table: pages, sorting and filtering on the server; arrow keys move between rows, Enter opens one,
  // PageUp/PageDown turn pages.
  function trialTable(id) {
    const state = { offset: 0, sort: 'trialId', order: 'asc', status: '', q: '' };
    let focusIndex = 0;
    let objectives = [];
    let rungLadder = null;
    let total = 0;
    const thead = el('thead');
    const tbody = el('tbody', { id: 'trial-rows' });
    const info = el('span', { id: 'page-info', class: 'muted', 'aria-live': 'polite' });
    const prev = el('button', { id: 'prev-page', text: '‹ Previous', onclick: () => turn(-1) });
    const next = el('button', { id: 'next-page', text: 'Next ›', onclick: () => turn(1) });
    const filter = el('input', { id: 'filter', type: 'search', placeholder: 'filter: id, worker, architecture, compression',
      'aria-label': 'Filter trials', size: 36 });
    const statusSelect = el('select', { id: 'status-filter', 'aria-label': 'Status' },
      ['', 'scheduled', 'running', 'completed', 'failed'].map(s => el('option', { value: s, text: s || 'any status' })));
    const refilter = debounce(() => { state.q = filter.value; state.offset = 0; load(); }, 250);
    filter.addEventListener('input', refilter);
    statusSelect.addEventListener('change', () => { state.status = statusSelect.value; state.offset = 0; load(); });
    const table = el('table', { id: 'trials', 'aria-label': 'Trials', 'aria-rowcount': 0 }, thead, tbody);
    const node = el('div', {}, el('div', { class: 'toolbar' }, filter, statusSelect, prev, next, info), table);

    function turn(delta) {
      const offset = state.offset + delta * PAGE_SIZE;
      if (offset < 0 || offset >= total) return false;
      state.offset = offset;
      load();
      return true;
    }
    function columns() {
      const cols = [['trialId', 'id'], ['status', 'status'], ['attempt', 'attempt']];
      if (rungLadder) cols.push(['rung', 'rung']);
      cols.push([null, 'candidate']);
      objectives.forEach(o => cols.push([o, METRIC_LABELS[o] || o, o]));
      for (const [key, label] of [['testAccuracy', 'test accuracy'], ['params', 'params'], ['macs', 'MACs'], ['sizeBytes', 'bytes'],
        ['latencyMs', 'latency p50 (ms)']]) {
        if (!objectives.includes(key)) cols.push([key, label, key]);
      }
      cols.push(['workerId', 'worker'], ['durationSeconds', 'duration (s)']);
      return cols;
    }
    function header() {
      thead.replaceChildren(el('tr', {}, columns().map(([key, label, metric]) => {
        const sorted = key && state.sort === key ? (state.order === 'asc' ? 'ascending' : 'descending') : null;
        const th = el('th', { scope: 'col', class: metric || key === 'attempt' || key === 'rung' || key === 'durationSeconds' ? 'num' : null,
          'aria-sort': sorted || (key ? 'none' : null), 'data-key': key });
        th.append(key ? el('button', { class: 'sort', type: 'button', text: label, onclick: () => {
          state.order = state.sort === key && state.order === 'asc' ? 'desc' : 'asc';
          state.sort = key;
          state.offset = 0;
          load();
        } }) : label);
        return th;
      })));
    }
    async function load() {
      const p = new URLSearchParams({ offset: state.offset, limit: PAGE_SIZE, sort: state.sort, order: state.order });
      if (state.status) p.set('status', state.status);
      if (state.q.trim()) p.set('q', state.q.trim());
      let page;
      try {
        page = await api(`/api/v1/experiments/${enc(id)}/trial-page?${p}`);
      } catch (e) {
        info.textContent = e.message;
        return;
      }
      objectives = page.objectives;
      rungLadder = page.rungEpochs || page.rungExamples || null;
      total = page.total;
      header();
      const hadFocus = tbody.contains(document.activeElement);
      tbody.replaceChildren(...page.rows.map((r, i) => row(r, i)));
      table.setAttribute('aria-rowcount', total);
      const last = Math.min(total, page.offset + page.rows.length);
      info.textContent = total ? `${page.offset + 1}–${last} of ${total}` : 'no trials match';
      prev.disabled = page.offset === 0;
      next.disabled = last >= total;
      focusIndex = Math.min(focusIndex, Math.max(0, page.rows.length - 1));
      tbody.querySelectorAll('tr').forEach((tr, i) => tr.setAttribute('tabindex', i === focusIndex ? '0' : '-1'));
      if (hadFocus) focus(focusIndex);
      tbody.dataset.loaded = String(Date.now());
      performance.mark('nas:table-drawn');
    }
    function row(r, i) {
      const t = r.trial;
      const m = t.metrics;
      const cells = columns().map(([key, , metric]) => {
        if (key === 'trialId') return el('td', {}, el('a', { href: `#/experiments/${enc(id)}/trials/${enc(t.trialId)}`, tabindex: '-1', text: t.trialId }));
        if (key === 'status') return el('td', {}, statusBadge(t.status));
        if (key === 'attempt') return el('td', { class: 'num', text: t.attempt });
        if (key === 'rung') return el('td', { class: 'num rung', text: rungText(t.rung, t.rungEpochs, t.rungExamples) });
        if (key === null) return el('td', { class: 'candidate' }, r.architecture || '', r.compression && r.compression !== 'none' ? el('div', { class: 'muted', text: r.compression }) : null);
        if (key === 'workerId') return el('td', { text: t.workerId || '–' });
        if (key === 'durationSeconds') return el('td', { class: 'num', text: num(t.durationSeconds, 1) });
        return el('td', { class: 'num', 'data-metric': metric, text: fmtMetric(metric, metricOf(m, metric)) });
      });
      const tr = el('tr', { 'data-trial-id': t.trialId, 'aria-rowindex': state.offset + i + 1,
        class: [r.onParetoFront ? 'front' : '', r.feasible === false ? 'infeasible' : ''].join(' ').trim() || null }, cells);
      tr.addEventListener('click', () => { focusIndex = i; focus(i); });
      tr.addEventListener('dblclick', () => open(t.trialId));
      return tr;
    }
    function open(trialId) {
      location.hash = `#/experiments/${enc(id)}/trials/${enc(trialId)}`;
    }
    function focus(i) {
      const rows = tbody.querySelectorAll('tr');
      if (!rows.length) return;
      focusIndex = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach((tr, j) => tr.setAttribute('tabindex', j === focusIndex ? '0' : '-1'));
      rows[focusIndex].focus();
    }
    tbody.addEventListener('keydown', e => {
      const rows = tbody.querySelectorAll('tr');
      const keys = {
        ArrowDown: () => focus(focusIndex + 1), ArrowUp: () => focus(focusIndex - 1), Home: () => focus(0), End: () => focus(rows.length - 1),
        PageDown: () => { if (turn(1)) focusIndex = 0; }, PageUp: () => { if (turn(-1)) focusIndex = 0; },
        Enter: () => { const tr = rows[focusIndex]; if (tr) open(tr.dataset.trialId); },
      };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
    return {
      node, load,
      front: ids => { const on = new Set(ids); tbody.querySelectorAll('tr').forEach(tr => tr.classList.toggle('front', on.has(tr.dataset.trialId))); },
    };
  }

  // The Pareto scatter: every feasible point grey, infeasible ones as vermillion triangles, the front in blue on top.
  // The two big series hold plain [x, y] arrays (their trial ids in parallel arrays, for the tooltip); a new result is
  // appended to its series (appendData) and only the small front series is set again, never the whole chart.
  function paretoChart(c, xSelect, ySelect) {
    let points = null;
    const byId = new Map();
    const seriesIds = [[], []]; // trial ids of the dominated and the infeasible series, by data index
    let frontIds = [];
    let constraints = [];
    const feasible = m => constraints.every(k => {
      const v = metricOf(m, k.metric);
      return (k.max === null || k.max === undefined || v <= k.max) && (k.min === null || k.min === undefined || v >= k.min);
    });
    const axis = () => [xSelect.value, ySelect.value];
    const xy = m => axis().map(a => metricOf(m, a));
    const frontData = () => frontIds.filter(t => byId.has(t)).map(t => ({ name: t, value: xy(byId.get(t)) }))
      .sort((a, b) => a.value[0] - b.value[0]);
    function draw() {
      const [x, y] = axis();
      const data = [[], []];
      seriesIds[0] = [];
      seriesIds[1] = [];
      byId.forEach((m, t) => {
        const s = m.feasible ? 0 : 1;
        data[s].push(xy(m));
        seriesIds[s].push(t);
      });
      const nameOf = p => (p.seriesIndex < 2 ? seriesIds[p.seriesIndex][p.dataIndex] : p.name);
      c.getDom().dataset.hasData = '1';
      c.setOption({
        animation: ANIMATE,
        color: [C.grey, C.vermillion, C.blue],
        tooltip: { trigger: 'item', formatter: p => `${esc(nameOf(p))}<br>${esc(METRIC_LABELS[x] || x)}: ${sig(p.value[0])}<br>${esc(METRIC_LABELS[y] || y)}: ${sig(p.value[1])}` },
        grid: { left: 70, right: 20, top: 20, bottom: 50 },
        xAxis: { type: 'value', name: METRIC_LABELS[x] || x, nameLocation: 'middle', nameGap: 30, scale: true },
        yAxis: { type: 'value', name: METRIC_LABELS[y] || y, nameLocation: 'middle', nameGap: 50, scale: true },
        series: [
          { id: 'dominated', name: 'dominated', type: 'scatter', symbolSize: 6, large: true, largeThreshold: 2000, data: data[0], itemStyle: { color: C.grey, opacity: 0.6 } },
          { id: 'infeasible', name: 'infeasible', type: 'scatter', symbol: 'triangle', symbolSize: 8, large: true, largeThreshold: 2000, data: data[1], itemStyle: { color: C.vermillion } },
          { id: 'front', name: 'front', type: 'scatter', symbolSize: 11, z: 10, data: frontData(), itemStyle: { color: C.blue, borderColor: C.black, borderWidth: 1 } },
        ],
      }, true);
    }
    return {
      load(p) {
        points = p;
        constraints = p.constraints || [];
        const names = p.objectives.length >= 2 ? p.objectives.map(o => o.metric) : ['accuracy', 'latencyMs', 'sizeBytes', 'params', 'macs', 'testAccuracy'];
        if (!xSelect.options.length) {
          for (const s of [xSelect, ySelect]) {
            s.replaceChildren(...names.map(n => el('option', { value: n, text: METRIC_LABELS[n] || n })));
            s.addEventListener('change', draw);
          }
          xSelect.value = names.includes('latencyMs') && names[0] === 'accuracy' ? 'latencyMs' : names[0];
          ySelect.value = names.find(n => n !== xSelect.value) || names[0];
        }
        byId.clear();
        const keys = Object.keys(p.metrics).filter(k => k !== 'latencyMs');
        p.trialIds.forEach((t, i) => {
          const m = { latencyMsP50: p.metrics.latencyMs[i], feasible: p.feasible[i] };
          for (const k of keys) m[k] = p.metrics[k][i];
          byId.set(t, m);
        });
        frontIds = p.front;
        draw();
      },
      add(trialId, metrics) {
        if (!points || byId.has(trialId)) return;
        const m = Object.assign({}, metrics, { feasible: feasible(metrics) });
        byId.set(trialId, m);
        const s = m.feasible ? 0 : 1;
        seriesIds[s].push(trialId);
        c.appendData({ seriesIndex: s, data: [xy(m)] });
        c.setOption({ series: [{ id: 'front', data: frontData() }] });
      },
      front(ids) {
        frontIds = ids;
        c.setOption({ series: [{ id: 'front', data: frontData() }] });
      },
    };
  }

  // Best accuracy and hypervolume after each ended trial, by trial count or by time.
  function historyChart(c, mode) {
    let h = { trialIds: [], endedAtMillis: [], bestAccuracy: [], hypervolume: [] };
    const render = () => {
      const time = mode.value === 'time';
      const xs = h.trialIds.map((t, i) => (time ? h.endedAtMillis[i] : i + 1));
      const pairs = ys => xs.map((x, i) => [x, ys[i]]).filter(p => p[0] !== null && p[1] !== null && p[1] !== undefined);
      c.getDom().dataset.hasData = '1';
      c.setOption({
        animation: ANIMATE,
        color: [C.orange, C.blue],
        legend: { top: 0 },
        tooltip: { trigger: 'axis' },
        grid: { left: 60, right: 60, top: 30, bottom: 45 },
        xAxis: { type: time ? 'time' : 'value', name: time ? 'time' : 'trials ended', nameLocation: 'middle', nameGap: 28, minInterval: time ? 0 : 1 },
        yAxis: [{ type: 'value', name: 'best accuracy', scale: true }, { type: 'value', name: 'hypervolume', scale: true }],
        series: [
          { name: 'best accuracy', type: 'line', step: 'end', showSymbol: false, data: pairs(h.bestAccuracy) },
          { name: 'hypervolume', type: 'line', step: 'end', showSymbol: false, yAxisIndex: 1, lineStyle: { type: 'dashed' }, data: pairs(h.hypervolume) },
        ],
      }, true);
    };
    const show = whenVisible(c.getDom(), render);
    const draw = debounce(show, 100);
    mode.addEventListener('change', show);
    const last = a => (a.length ? a[a.length - 1] : null);
    return {
      load(history) { h = history; show(); },
      add(trialId, accuracy) {
        if (h.trialIds.includes(trialId)) return;
        const best = last(h.bestAccuracy);
        h.trialIds.push(trialId);
        h.endedAtMillis.push(Date.now());
        h.bestAccuracy.push(accuracy === null ? best : best === null ? accuracy : Math.max(best, accuracy));
        h.hypervolume.push(last(h.hypervolume));
        draw();
      },
      hypervolume(v) { if (h.hypervolume.length) h.hypervolume[h.hypervolume.length - 1] = v; draw(); },
    };
  }

  // Parallel coordinates over the genes (architecture, compression, parameters) and the metrics; the front in blue.
  function parallelChart(c) {
    let points = null;
    const show = whenVisible(c.getDom(), () => render(points));
    return { load(p) { points = p; show(); } };

    function render(p) {
      const genes = Object.keys(p.genes);
      const metrics = [...new Set([...p.objectives.map(o => o.metric), 'testAccuracy'])];
      const dims = [...genes, ...metrics];
      const parallelAxis = dims.map((d, i) => {
        const values = genes.includes(d) ? p.genes[d] : p.metrics[d];
        const categorical = values.some(v => typeof v === 'string');
        return categorical ? { dim: i, name: d, type: 'category', data: [...new Set(values.map(String))].sort() }
          : { dim: i, name: METRIC_LABELS[d] || d, scale: true };
      });
      const front = new Set(p.front);
      const lines = { front: [], rest: [] };
      const ids = { front: [], rest: [] };
      const columns = dims.map(d => (genes.includes(d) ? p.genes[d] : p.metrics[d]));
      p.trialIds.forEach((t, i) => {
        const which = front.has(t) ? 'front' : 'rest';
        lines[which].push(columns.map(col => col[i]));
        ids[which].push(t);
      });
      c.getDom().dataset.hasData = '1';
      c.setOption({
        animation: ANIMATE,
        parallelAxis,
        parallel: { left: 60, right: 80, top: 40, bottom: 30, parallelAxisDefault: { nameLocation: 'end', nameGap: 12, nameTextStyle: { fontSize: 11 } } },
        tooltip: { trigger: 'item', formatter: x => esc(ids[x.seriesIndex === 0 ? 'rest' : 'front'][x.dataIndex]) },
        series: [
          { id: 'rest', type: 'parallel', data: lines.rest, lineStyle: { color: C.grey, opacity: 0.25, width: 1 }, progressive: 2000, progressiveChunkMode: 'sequential' },
          { id: 'front', type: 'parallel', data: lines.front, lineStyle: { color: C.blue, opacity: 0.9, width: 2 }, z: 10 },
        ],
      }, true);
    }
  }

  // ---- one trial --------------------------------------------------------------------------------------------
  async function trialView(view, id, trialId) {
    crumbs(el('a', { href: '#/', text: 'experiments' }), el('a', { href: `#/experiments/${enc(id)}`, text: id }), el('span', { text: trialId }));
    const d = await api(`/api/v1/experiments/${enc(id)}/trials/${enc(trialId)}`);
    const t = d.row.trial;
    const m = t.metrics;
    const facts = el('dl', { class: 'facts', id: 'trial-facts' });
    const fact = (k, v) => facts.append(el('dt', { text: k }), el('dd', {}, v));
    fact('status', statusBadge(t.status));
    fact('attempt', String(t.attempt));
    if (d.bracket !== null && d.bracket !== undefined) fact('rung', rungText(t.rung, t.rungEpochs, t.rungExamples));
    fact('worker', t.workerId || '–');
    fact('duration', t.durationSeconds === null ? '–' : `${num(t.durationSeconds, 1)} s`);
    fact('feasible', d.row.feasible === null ? '–' : d.row.feasible ? 'yes' : 'no: violates a constraint');
    fact('on the Pareto front', d.row.onParetoFront ? 'yes' : 'no');
    fact('architecture', d.row.architecture || '–');
    fact('compression', d.row.compression || '–');
    // a store URI (file:, s3://), which a browser cannot open: text, never a link (a result's URI could be javascript:)
    if (t.artifactUri) fact('artifact', el('code', { id: 'artifact', class: 'uri', text: t.artifactUri }));
    const parts = [el('h1', { text: trialId }), facts];
    if (t.reason) parts.push(el('div', { id: 'failure', role: 'alert', class: 'card' }, el('div', { class: 'label', text: 'failure reason' }), el('pre', { text: t.reason })));
    if (m) {
      parts.push(el('h2', { text: 'Metrics' }), el('table', { id: 'metrics' }, el('tbody', {}, [
        ['validation accuracy', num(m.accuracy, 4)], ['test accuracy', num(m.testAccuracy, 4)], ['train loss', num(m.trainLoss, 4)],
        ['latency p50 / p95 (ms, batch 1)', `${num(m.latencyMsP50, 3)} / ${num(m.latencyMsP95, 3)}`],
        [`latency p50 (ms, batch ${m.latencyBatch})`, num(m.latencyBatchMsP50, 3)], ['params (non-zero)', `${int(m.params)} (${int(m.nonZeroParams)})`],
        ['MACs', int(m.macs)], ['bytes', int(m.sizeBytes)], ['training', `${num(m.trainSeconds, 1)} s, ${int(m.samplesPerSecond)} samples/s on ${m.device}`],
      ].map(([k, v]) => el('tr', {}, el('th', { scope: 'row', text: k }), el('td', { class: 'num', text: v }))))));
    }
    if (d.bracket !== null && d.bracket !== undefined) parts.push(el('h2', { text: 'Rungs' }), rungs(d));
    if (m) parts.push(el('h2', { text: 'Deployable model' }), deployable(id, trialId, d));
    parts.push(el('h2', { text: 'Layers' }), m && m.layers ? layerTable(m) : layers(t.candidate));
    if (m && m.compression) parts.push(el('h2', { text: 'Compression' }), compression(m.compression));
    const curveNode = el('div', { id: 'curve', class: 'chart', role: 'img', 'aria-label': 'Learning curve' });
    parts.push(el('h2', { text: 'Learning curve' }), curveNode);
    view.replaceChildren(...parts);
    const curve = chart(curveNode);
    const epochs = { best: d.bestValidationByEpoch.map((v, i) => [i + 1, v]), validation: [], train: [], loss: [] };
    const draw = () => curve.setOption({
      animation: ANIMATE, color: [C.blue, C.green, C.orange, C.vermillion], legend: { top: 0 }, tooltip: { trigger: 'axis' },
      grid: { left: 60, right: 60, top: 30, bottom: 40 },
      xAxis: { type: 'value', name: 'epoch', minInterval: 1, nameLocation: 'middle', nameGap: 25 },
      yAxis: [{ type: 'value', name: 'accuracy', scale: true }, { type: 'value', name: 'loss', scale: true }],
      series: [
        { name: 'best validation accuracy', type: 'line', data: epochs.best },
        { name: 'validation accuracy', type: 'line', data: epochs.validation },
        { name: 'train accuracy', type: 'line', data: epochs.train },
        { name: 'loss', type: 'line', yAxisIndex: 1, data: epochs.loss },
      ],
    }, true);
    draw();
    document.body.dataset.ready = 'trial';
    live(id, (kind, e) => {
      if (kind !== 'trial' || e.trialId !== trialId) return;
      if (e.type === 'progress') {
        epochs.validation.push([e.epoch, e.validationAccuracy]);
        epochs.train.push([e.epoch, e.trainAccuracy]);
        epochs.loss.push([e.epoch, e.loss]);
        const best = epochs.best.length ? epochs.best[epochs.best.length - 1][1] : -Infinity;
        if (e.epoch === epochs.best.length + 1) epochs.best.push([e.epoch, Math.max(best, e.validationAccuracy)]);
        draw();
      } else if (e.type === 'completed' || e.type === 'failed') {
        route();
      }
    }, () => route());
  }

  // "asha: rungs at 1, 3, 9 epochs, η 3" or "asha: rungs at 13,500, 27,000 … examples, η 2" (and the brackets under
  // Hyperband); the median rule by name.
  function schedulerText(s) {
    const ladder = s.rungEpochs || s.rungExamples;
    if (!ladder) return s.type;
    const brackets = s.type === 'hyperband' ? `, ${s.brackets} brackets` : '';
    const unit = s.rungEpochs ? 'epochs' : 'examples';
    return `${s.type}: rungs at ${ladder.map(r => s.rungEpochs ? String(r) : r.toLocaleString('en-US')).join(', ')} ${unit}, η ${s.reductionFactor}${brackets}`;
  }

  // The rungs a trial completed under ASHA or Hyperband, each with its accuracy and how it trained: continued from the
  // rung below's checkpoint, or from scratch (with the worker's note saying why a continuation was not possible);
  // then the rung in training now, and a promotion that failed (the trial keeps its lower rung).
  function rungs(d) {
    const how = r => {
      const ck = r.checkpoint;
      if (ck && ck.resumedFromEpoch !== null && ck.resumedFromEpoch !== undefined) return `continued from epoch ${ck.resumedFromEpoch}`;
      if (ck && ck.resumedFromExamples !== null && ck.resumedFromExamples !== undefined) {
        return `continued from ${ck.resumedFromExamples.toLocaleString('en-US')} examples`;
      }
      if (ck && ck.note) return `retrained from scratch: ${ck.note}`;
      return 'from scratch';
    };
    const rows = d.rungs.map(r => el('tr', { 'data-rung': r.rung },
      el('td', { class: 'num', text: rungText(r.rung, r.epochs, r.examples) }), el('td', { class: 'num', text: r.attempt === null ? '–' : String(r.attempt) }),
      el('td', { class: 'num', text: num(r.accuracy, 4) }), el('td', { class: 'num', text: num(r.testAccuracy, 4) }),
      el('td', { class: 'training', text: how(r) }),
      el('td', {}, r.checkpoint && r.checkpoint.uri ? el('code', { class: 'uri', text: r.checkpoint.uri }) : '–')));
    if (d.trainingRung !== null && d.trainingRung !== undefined) {
      rows.push(el('tr', { 'data-rung': d.trainingRung, class: 'training-now' }, el('td', { class: 'num', text: rungText(d.trainingRung, d.trainingEpochs, d.trainingExamples) }),
        el('td', { class: 'num', text: String(d.row.trial.attempt) }), el('td', { colspan: 4, class: 'muted', text: 'training now' })));
    }
    const parts = [el('p', { class: 'muted', text: d.bracket > 0 ? `Hyperband bracket ${d.bracket}: the trial started at rung ${d.bracket}.`
      : 'Each rung trains further; the row and the metrics above are the highest rung\'s.' })];
    parts.push(rows.length ? el('table', { id: 'rungs' },
      el('thead', {}, el('tr', {}, ['rung', 'attempt', 'validation accuracy', 'test accuracy', 'training', 'checkpoint saved']
        .map((h, i) => el('th', { scope: 'col', class: i < 4 ? 'num' : null, text: h })))),
      el('tbody', {}, rows)) : el('p', { id: 'rungs', class: 'muted', text: 'No rung completed yet.' }));
    if (d.promotionFailure) {
      parts.push(el('div', { id: 'promotion-failure', role: 'alert', class: 'card' },
        el('div', { class: 'label', text: 'promotion failed; the trial keeps its lower rung' }), el('pre', { text: d.promotionFailure })));
    }
    return el('div', { id: 'rung-history' }, parts);
  }

  // A word as the shell reads it: as it is when it holds no special character, else in single quotes.
  const shellWord = s => /^[A-Za-z0-9._\/:=@%+-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;

  // Where a completed attempt was measured and what a user deploys: the runtime, the kernels that ran, the files with
  // their artifact-store URIs (file: or s3://: the controller cannot read the store, so they are no downloads) and the
  // nas export command that fetches them.
  function deployable(id, trialId, d) {
    const inf = d.inference;
    if (!inf) {
      return el('p', { id: 'inference', class: 'muted',
        text: 'Measured by a worker without ONNX export: this attempt has no ONNX files to deploy.' });
    }
    const facts = el('dl', { class: 'facts', id: 'inference' });
    const fact = (k, v) => facts.append(el('dt', { text: k }), el('dd', {}, v));
    fact('runtime', inf.runtime);
    fact('measured file', el('code', { text: inf.model }));
    fact('kernels that ran', inf.kernels.length ? inf.kernels.join(', ') : '– (the runtime reports none)');
    if (inf.fp32TestAccuracy !== null && inf.fp32TestAccuracy !== undefined) fact('fp32 test accuracy', num(inf.fp32TestAccuracy, 4));
    const files = el('table', { id: 'model-files' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'file' }), el('th', { scope: 'col', text: 'artifact-store URI' }))),
      el('tbody', {}, d.files.map(f => el('tr', { 'data-file': f.name }, el('td', {}, el('code', { text: f.name })),
        el('td', {}, el('code', { class: 'uri', text: f.uri }))))));
    const command = `nas export ${shellWord(id)} --trial ${shellWord(trialId)} --format onnx --out ${shellWord(`${trialId}-onnx`)}`;
    return el('div', { id: 'deployable' }, facts, files,
      el('p', {}, 'Fetch them (with the artifact store\'s credentials; these URIs are not browser downloads): '),
      el('pre', { id: 'export-command', text: command }));
  }

  // The measured model as the worker reported it: a residual block's branches indented under it, then its sum.
  function layerTable(m) {
    const total = m.layers.reduce((sum, l) => sum + l.macs, 0);
    const rows = m.layers.map(l => {
      const depth = (l.path.match(/\.(body|shortcut)\[/g) || []).length;
      const branch = depth ? l.path.replace(/^.*\.(body|shortcut)\[.*$/, '$1') : '';
      return el('tr', { 'data-path': l.path }, el('td', { class: 'layer', style: `padding-left: ${0.5 + 1.5 * depth}rem`, text: (branch ? `${branch}: ` : '') + l.layer }),
        el('td', { class: 'path muted', text: l.path }),
        el('td', { class: 'num shape', text: l.outputShape ? l.outputShape.join(' × ') : '–' }),
        ...[int(l.params), int(l.nonZeroParams), int(l.macs), total && l.macs ? `${num(100 * l.macs / total, 1)} %` : ''].map(v => el('td', { class: 'num', text: v })));
    });
    const foot = el('tr', {}, el('th', { scope: 'row', text: 'total' }), el('td', {}), el('td', {}),
      ...[int(m.params), int(m.nonZeroParams), int(m.macs), ''].map(v => el('td', { class: 'num', text: v })));
    return el('table', { id: 'layers' },
      el('thead', {}, el('tr', {}, ['layer', 'path', 'output shape', 'params', 'non-zero', 'MACs', 'share of MACs'].map((h, i) => el('th', { scope: 'col', class: i > 1 ? 'num' : null, text: h })))),
      el('tbody', {}, rows), el('tfoot', {}, foot));
  }

  // The body of each architecture family as lines of text, before the shared head. A family is added here.
  const BODY_LAYERS = {
    cnn: a => a.stages.flatMap((s, i) => [
      ...Array.from({ length: s.blocks }, (_, b) => `stage ${i + 1}, block ${b + 1}: ${s.convType === 'depthwise-separable' ? 'depthwise-separable conv' : 'conv'} ${s.kernelSize}×${s.kernelSize}, ${s.filters} filters${s.batchNorm ? ', batch norm' : ''}, ReLU`),
      ...(s.skip ? [`stage ${i + 1}: residual connection around its blocks`] : []),
      ...(s.pooling && s.pooling !== 'none' ? [`stage ${i + 1}: ${s.pooling} pooling 2×2`] : []),
    ]).concat(['flatten']),
    mlp: a => a.hiddenUnits.map((u, i) => `dense ${u} units, ReLU (hidden layer ${i + 1})`),
    transformer: a => [
      `patches ${a.patchSize}×${a.patchSize}, embedded to ${a.width} features`,
      `position embedding${a.pooling === 'cls' ? ' and class token' : ''}`,
      ...Array.from({ length: a.layers }, (_, l) => `encoder layer ${l + 1}: ${a.heads} attention heads of ${Math.floor(a.width / a.heads)}, GELU MLP ${Math.max(1, Math.round(a.mlpRatio * a.width))} wide, ${a.norm}-norm${a.dropout > 0 ? `, dropout ${a.dropout}` : ''}`),
      ...(a.norm === 'pre' ? ['layer norm'] : []),
      a.pooling === 'cls' ? 'class token' : 'mean over tokens',
    ],
  };

  // Before a worker has measured it (or from a worker older than per-layer reports): the layers the candidate describes.
  function layers(candidate) {
    const a = candidate && candidate.architecture;
    const list = el('ol', { id: 'layers' });
    if (!a) return list;
    const add = text => list.append(el('li', { text }));
    const body = BODY_LAYERS[a.family];
    (body ? body(a) : [`${a.family} body`]).forEach(add);
    if (a.head && a.head.denseUnits > 0) add(`dense ${a.head.denseUnits} units, ReLU`);
    if (a.head && a.head.dropout > 0) add(`dropout ${a.head.dropout}`);
    add('dense to the classes (softmax)');
    return list;
  }

  // As `nas evaluate` prints it: the model before the first stage, then after each stage; then per-layer changes.
  function compression(report) {
    const head = ['stage', 'settings', 'val acc', 'test acc', 'params', 'non-zero', 'MACs', 'bytes', 'p50 ms', 'seconds'];
    const row = (stage, settings, s, seconds) => el('tr', {}, el('td', { text: stage }), el('td', { text: settings }),
      ...[num(s.accuracy, 4), num(s.testAccuracy, 4), int(s.params), int(s.nonZeroParams), int(s.macs), int(s.bytes), num(s.latencyMsP50, 3),
        seconds === null ? '' : num(seconds, 1)].map(v => el('td', { class: 'num', text: v })));
    const rows = [];
    report.stages.forEach((st, i) => {
      if (i === 0) rows.push(row('before', '', st.before, null));
      rows.push(row(st.stage, st.settings, st.after, st.seconds));
    });
    const layerRows = report.stages.flatMap(st => st.layers.map(l => el('tr', {}, el('td', { text: st.stage }), el('td', { text: l.layer }),
      el('td', { text: l.from }), el('td', { text: l.to }), el('td', { class: 'num', text: l.reconstructionError === null ? '–' : sig(l.reconstructionError) }),
      el('td', { class: 'num', text: l.sparsity === null ? '–' : num(l.sparsity, 3) }))));
    return el('div', { id: 'compression' },
      el('p', {}, `weights stored as ${report.weightFormat}; executed as ${report.executedAs}`),
      el('table', {}, el('thead', {}, el('tr', {}, head.map(h => el('th', { scope: 'col', text: h })))), el('tbody', {}, rows)),
      layerRows.length ? el('table', { class: 'layer-changes' }, el('thead', {}, el('tr', {}, ['stage', 'layer', 'from', 'to', 'reconstruction error', 'sparsity']
        .map(h => el('th', { scope: 'col', text: h })))), el('tbody', {}, layerRows)) : null);
  }

  // ---- routing ----------------------------------------------------------------------------------------------
  async function route() {
    closers.forEach(f => f());
    closers = [];
    notice('');
    delete document.body.dataset.ready;
    delete document.body.dataset.readyAt;
    const view = document.getElementById('view');
    const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
    try {
      if (parts[0] === 'experiments' && parts[1] && parts[2] === 'trials' && parts[3]) await trialView(view, parts[1], parts[3]);
      else if (parts[0] === 'experiments' && parts[1]) await experimentView(view, parts[1]);
      else await experimentsView(view);
    } catch (e) {
      view.replaceChildren(el('p', { class: 'muted', text: e instanceof ApiError ? e.message : `The page failed: ${e.message}` }));
      if (!(e instanceof ApiError)) console.error(e);
    }
  }

  document.getElementById('token').value = token;
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    token = document.getElementById('token').value.trim();
    sessionStorage.setItem('nas.token', token);
    route();
  });
  addEventListener('hashchange', route);
  route();
})();
