// wall.js - the reference IOC wall: subscribes to everything iocd publishes
// under ioc/v1/<province>/ (over MQTT/WebSockets, mqtt.js's browser bundle)
// and draws it: KPI tiles grouped by source, a commune grid coloured by a
// chosen KPI, and an alert ticker.
//
// The one design idea: the page keeps one entry per *series* (the series key
// of the record) and redraws from those entries; it never trusts a value it
// has not heard again since the connection came back. Retained messages
// arrive in topic order, not seq order, so de-duplication is per series
// (docs/metric-record.md, Delivery): a record whose seq is below the last
// one of its series is dropped; the same seq is taken (iocd re-publishes a
// record with its seq unchanged to add or drop the stale marker, and after
// a broker restart).
//
// URL parameters (README.md): broker, province, lang, grid, sources.

const params = new URLSearchParams(location.search);
const lang = params.get('lang') === 'en' ? 'en' : 'vi';
const province = params.get('province') || '96';
const prefix = `ioc/v1/${province}/`;
// Served by mosquitto's http_dir, the page's own host is the broker.
const brokerUrl = params.get('broker') || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
const onlySources = params.get('sources') ? params.get('sources').split(',') : null;

const text = {
  vi: { title: 'Trung tâm Điều hành thông minh tỉnh Cà Mau', noConnection: 'MẤT KẾT NỐI với máy chủ dữ liệu — giá trị hiển thị đã cũ, đang kết nối lại…',
        connecting: 'Đang kết nối…', connected: 'Đã kết nối', gridBy: 'Bản đồ xã theo chỉ số',
        target: 'Mục tiêu', stale: 'Cũ', age: 'cách đây', province: 'Toàn tỉnh', from: 'từ',
        communes: 'xã', reporting: 'xã có số liệu', series: 'chuỗi', breach: 'không đạt', none: 'chưa có số liệu',
        state: { online: 'trực tuyến', offline: 'ngoại tuyến', failed: 'lỗi', degraded: 'suy giảm', unknown: 'chưa rõ' },
        alert: { breach: 'không đạt mục tiêu', stale: 'số liệu cũ' }, leave: 'hết: ',
        units: ['giây', 'phút', 'giờ', 'ngày'] },
  en: { title: 'Cà Mau Intelligent Operations Center', noConnection: 'NO CONNECTION to the data broker — values shown are old, reconnecting…',
        connecting: 'Connecting…', connected: 'Connected', gridBy: 'Communes by KPI',
        target: 'Target', stale: 'Stale', age: '', province: 'Province', from: 'from',
        communes: 'communes', reporting: 'communes reporting', series: 'series', breach: 'in breach', none: 'no data yet',
        state: { online: 'online', offline: 'offline', failed: 'failed', degraded: 'degraded', unknown: 'unknown' },
        alert: { breach: 'target missed', stale: 'stale data' }, leave: 'ended: ',
        units: ['s', 'min', 'h', 'd'] },
}[lang];

const series = new Map();   // series key -> {rec, epoch, history: [numbers]}
const sources = new Map();  // source -> {state, detail, summary, epoch}
let catalog = null;         // the retained _catalog document
let grid = null;            // communes.json (tools/mkwallgrid)
let alerts = [];            // the latest alert per series (onAlert)
let epoch = 0;              // +1 per (re)connection: what was heard before is unconfirmed
const dirty = new Set();    // series keys whose tile needs redrawing
// The commune grid's index, by grid KPI (gridKey): commune code -> series
// key, and the province's series key. Series keys are iocd's (dims folded
// to lowercase ASCII), so the page takes them from the records, never
// rebuilds them from the dims.
const gridIndex = new Map();      // grid key -> Map(commune code -> series key)
const provinceIndex = new Map();  // grid key -> the province series key

// ---- what a record is on the wall ------------------------------------------

// A KPI tile is a province-level series, except per-agency breakdowns (one
// department's figure is detail for its own screen, not the wall).
// Commune-level series without an agency go to the commune grid instead.
const isTile = (rec) => rec.area.level === 'province' && !(rec.dims && 'agency' in rec.dims);
const isGrid = (rec) => rec.area.level === 'commune' && !(rec.dims && 'agency' in rec.dims);
// The grid's KPI key: the series key without its area (source/metric[/dims]).
const gridKey = (rec) => [rec.source, rec.metric, ...Object.values(rec.dims || {})].join('/');
const dimsText = (rec) => Object.values(rec.dims || {}).join(' · ');

function metricInfo(rec) {
  const m = catalog && catalog.metrics && catalog.metrics[rec.metric];
  const u = catalog && catalog.units && catalog.units[rec.unit];
  return {
    label: (m && m.label && m.label[lang]) || rec.metric,
    decimals: m && m.decimals !== undefined ? m.decimals : u && u.decimals !== undefined ? u.decimals : 0,
    symbol: u ? u.symbol : rec.unit,
  };
}

const numberFormat = new Map();
function formatNumber(v, decimals) {
  if (!numberFormat.has(decimals)) {
    numberFormat.set(decimals, new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'vi-VN',
      { minimumFractionDigits: decimals, maximumFractionDigits: decimals }));
  }
  return numberFormat.get(decimals).format(v);
}

function formatValue(rec) {
  const info = metricInfo(rec);
  return `${formatNumber(rec.value, info.decimals)}${info.symbol ? ' ' + info.symbol : ''}`;
}

function formatTarget(rec) {
  const t = rec.target;
  if (!t) return '';
  const info = metricInfo(rec);
  const n = (v) => formatNumber(v, info.decimals);
  const goal = t.op === 'range' ? `${n(t.min)}–${n(t.max)}` : `${t.op === '>=' ? '≥' : '≤'} ${n(t.value)}`;
  return `${text.target} ${goal}${info.symbol ? ' ' + info.symbol : ''}`;
}

// Age of the data: from the end of its period when it has one (a July
// report is data as of 31 July), else from the time the source measured it.
function dataTime(rec) {
  if (rec.period && rec.period.to) {
    const offset = rec.ts.slice(19).replace(/^\.\d+/, ''); // the ts's own offset, e.g. +07:00
    return Date.parse(`${rec.period.to}T00:00:00${offset}`) + 86400000; // the end of that day
  }
  return Date.parse(rec.ts);
}
function formatAge(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const [sec, min, hour, day] = text.units;
  if (s < 120) return `${s} ${sec}`;
  if (s < 7200) return `${Math.round(s / 60)} ${min}`;
  if (s < 172800) return `${Math.round(s / 3600)} ${hour}`;
  return `${Math.round(s / 86400)} ${day}`;
}

// A value is shown greyed when iocd marked it stale, or when it has not been
// heard again since the connection came back (it may be frozen).
const unconfirmed = (entry) => entry.epoch !== epoch || document.body.dataset.connection !== 'up';

// ---- tiles ------------------------------------------------------------------

function sourceGroup(name) {
  let group = document.querySelector(`.source[data-source="${CSS.escape(name)}"]`);
  if (group) return group;
  group = document.createElement('div');
  group.className = 'source';
  group.dataset.source = name;
  group.dataset.state = 'unknown';
  group.innerHTML = `<h2><span class="name"></span><span class="state"></span><span class="summary"></span></h2><div class="tiles"></div>`;
  group.querySelector('.name').textContent = name;
  const all = document.getElementById('sources');
  const after = [...all.children].find((g) => g.dataset.source > name);
  all.insertBefore(group, after || null);
  drawSource(name);
  return group;
}

function drawSource(name) {
  const group = sourceGroup(name);
  const s = sources.get(name) || { state: 'unknown', detail: '' };
  const state = s.epoch === epoch ? s.state : 'unknown';
  group.dataset.state = state;
  group.querySelector('.state').textContent = text.state[state] + (s.detail && state !== 'online' ? `: ${s.detail}` : '');
  const sum = s.summary;
  group.querySelector('.summary').textContent = sum
    ? `${sum.series} ${text.series} · ${sum.stale} ${text.stale.toLowerCase()} · ${sum.breach} ${text.breach}` : '';
}

function sparkline(values) {
  if (values.length < 2) return '';
  const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
  const points = values.map((v, i) =>
    `${(i / (values.length - 1) * 100).toFixed(1)},${(28 - (v - lo) / span * 26).toFixed(1)}`).join(' ');
  return `<svg class="spark" viewBox="0 0 100 30" preserveAspectRatio="none"><polyline points="${points}"/></svg>`;
}

function drawTile(key) {
  const entry = series.get(key);
  let tile = document.querySelector(`.tile[data-series="${CSS.escape(key)}"]`);
  if (!entry) { if (tile) tile.remove(); return; }
  const rec = entry.rec;
  if (!tile) {
    tile = document.createElement('div');
    tile.className = 'tile';
    tile.dataset.series = key;
    const tiles = sourceGroup(rec.source).querySelector('.tiles');
    const after = [...tiles.children].find((t) => t.dataset.series > key);
    tiles.insertBefore(tile, after || null);
  }
  const info = metricInfo(rec);
  tile.dataset.status = rec.status;
  tile.dataset.stale = rec.stale ? 'true' : 'false';
  tile.dataset.unconfirmed = unconfirmed(entry) ? 'true' : 'false';
  tile.dataset.value = String(rec.value);
  const complete = rec.completeness
    ? `${text.from} ${rec.completeness.reported}/${rec.completeness.expected} ${text.communes}` : '';
  tile.innerHTML = `<div class="label"></div><div class="dims"></div>
    <div class="value"></div><div class="target"></div>${sparkline(entry.history)}
    <div class="meta"><span class="age" data-age></span><span class="complete"></span></div>`;
  tile.querySelector('.label').textContent = info.label;
  tile.querySelector('.dims').textContent = dimsText(rec);
  tile.querySelector('.value').textContent = formatValue(rec);
  tile.querySelector('.target').textContent = formatTarget(rec);
  tile.querySelector('.complete').textContent = complete;
  drawAge(tile, entry);
}

// Every value carries its age; a stale one also says so (iocd's marker).
function drawAge(el, entry) {
  const age = el.querySelector('[data-age]');
  if (!age) return;
  const a = formatAge(Date.now() - dataTime(entry.rec));
  age.textContent = entry.rec.stale ? `${text.stale} · ${a}` : lang === 'vi' ? `${text.age} ${a}` : `${a} ago`;
}

// ---- commune grid -------------------------------------------------------------

const gridSelect = document.getElementById('grid-kpi');
gridSelect.addEventListener('change', () => { drawGrid(); });
const gridOptions = new Map(); // grid key -> a record of it (for its label)

function addGridOption(rec) {
  const key = gridKey(rec);
  if (gridOptions.has(key)) return;
  gridOptions.set(key, rec);
  const option = document.createElement('option');
  option.value = key;
  const keys = [...gridOptions.keys()].sort();
  gridSelect.insertBefore(option, gridSelect.options[keys.indexOf(key)] || null);
  labelGridOptions();
  // The first KPI with a target is the most telling default.
  const wanted = params.get('grid');
  if (wanted ? key === wanted : !gridSelect.dataset.chosen && rec.status !== 'none') {
    gridSelect.value = key;
    gridSelect.dataset.chosen = 'yes';
  }
}

function labelGridOptions() {
  for (const option of gridSelect.options) {
    const rec = gridOptions.get(option.value);
    const dims = dimsText(rec);
    option.textContent = `${metricInfo(rec).label}${dims ? ' · ' + dims : ''} (${rec.source})`;
  }
}

function drawGrid() {
  const box = document.getElementById('commune-grid');
  if (!grid) return;
  if (!box.children.length) {
    box.style.gridTemplateColumns = `repeat(${grid.columns}, 1fr)`;
    for (const c of grid.communes) {
      const cell = document.createElement('div');
      cell.className = 'commune';
      cell.dataset.commune = c.code;
      cell.style.gridRow = c.row;
      cell.style.gridColumn = c.col;
      cell.innerHTML = '<div class="cname"></div><div class="cvalue"></div><div class="cage" data-age></div>';
      cell.querySelector('.cname').textContent = c.name.replace(/^(Phường|Xã|Đặc khu) /, '');
      cell.title = c.name;
      box.appendChild(cell);
    }
  }
  const key = gridSelect.value;
  const sample = gridOptions.get(key);
  const index = gridIndex.get(key) || new Map();
  const values = [];
  for (const cell of box.children) {
    const entry = series.get(index.get(cell.dataset.commune));
    cell.entry = entry;
    if (entry) values.push(entry.rec.value);
  }
  const lo = Math.min(...values), hi = Math.max(...values);
  for (const cell of box.children) {
    const entry = cell.entry;
    cell.dataset.series = entry ? entry.rec.series : '';
    cell.dataset.status = entry ? entry.rec.status : 'empty';
    cell.dataset.stale = entry && entry.rec.stale ? 'true' : 'false';
    cell.dataset.unconfirmed = entry && unconfirmed(entry) ? 'true' : 'false';
    // Without a target, the colour is the value's rank in five steps.
    cell.dataset.band = entry && entry.rec.status === 'none'
      ? String(hi > lo ? Math.min(4, Math.floor((entry.rec.value - lo) / (hi - lo) * 5)) : 2) : '';
    cell.querySelector('.cvalue').textContent = entry ? formatValue(entry.rec) : '—';
    if (entry) drawAge(cell, entry); else cell.querySelector('.cage').textContent = '';
  }
  drawProvinceValue(sample, series.get(provinceIndex.get(key)), values.length);
}

// The province figure of the chosen KPI: its own series when iocd publishes
// one (a rollup carries completeness), else how many communes report.
function drawProvinceValue(sample, entry, reporting) {
  const box = document.getElementById('province-value');
  if (!sample) { box.textContent = text.none; return; }
  const expected = grid.communes.length;
  box.entry = entry;
  box.dataset.status = entry ? entry.rec.status : 'none';
  box.dataset.unconfirmed = entry && unconfirmed(entry) ? 'true' : 'false';
  box.innerHTML = '<span class="pv-label"></span> <span class="pv-value"></span> <span class="pv-complete"></span> <span class="age" data-age></span>';
  box.querySelector('.pv-label').textContent = text.province;
  box.querySelector('.pv-value').textContent = entry ? formatValue(entry.rec) : '—';
  const c = entry && entry.rec.completeness;
  box.querySelector('.pv-complete').textContent = c
    ? `${text.from} ${c.reported}/${c.expected} ${text.communes}` : `${reporting}/${expected} ${text.reporting}`;
  if (entry) drawAge(box, entry);
}

// ---- alerts ---------------------------------------------------------------------

// The ticker keeps the latest alert of each series (a "leave" replaces its
// "enter"), province alerts first, then the newest: sixty-four communes
// flapping round a target must not push the province's alert off the wall.
function onAlert(doc) {
  alerts = [doc, ...alerts.filter((a) => a.series !== doc.series)];
  const rank = (a) => (a.area && a.area.level === 'province' ? 0 : 1);
  alerts.sort((a, b) => rank(a) - rank(b) || (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0));
  alerts = alerts.slice(0, 20);
  drawTicker();
}

function drawTicker() {
  const el = document.getElementById('ticker-text');
  el.textContent = alerts.map((a) => {
    const label = catalog && catalog.metrics && catalog.metrics[a.metric]
      ? catalog.metrics[a.metric].label[lang] : a.metric;
    const where = a.area && a.area.name ? a.area.name : '';
    const value = a.value !== undefined ? formatValue({ ...a, value: a.value, unit: a.unit }) : '';
    return `${a.event === 'leave' ? '✓ ' + text.leave : '⚠ '}${text.alert[a.state] || a.state}: ${label} — ${where} ${value}`;
  }).join('   •   ');
  document.getElementById('ticker').dataset.alerts = String(alerts.length);
}

// ---- messages -------------------------------------------------------------------

function onRecord(topic, rec) {
  const key = rec.series;
  const entry = series.get(key);
  if (entry && rec.seq < entry.rec.seq) return; // an older copy: per-series rule
  const history = entry ? entry.history : [];
  if (!entry || rec.seq !== entry.rec.seq) {
    history.push(rec.value);
    if (history.length > 120) history.shift();
  }
  series.set(key, { rec, epoch, history });
  if (isTile(rec) && (!onlySources || onlySources.includes(rec.source))) dirty.add(key);
  if (isGrid(rec)) {
    if (!gridIndex.has(gridKey(rec))) gridIndex.set(gridKey(rec), new Map());
    gridIndex.get(gridKey(rec)).set(rec.area.code, key);
    addGridOption(rec);
  } else if (rec.area.level === 'province') {
    provinceIndex.set(gridKey(rec), key);
  }
  scheduleDraw(isGrid(rec) || rec.area.level === 'province');
}

function onRetired(topic) {
  // A zero-length retained message clears a retired series' topic.
  const key = topic.slice(prefix.length);
  if (series.delete(key)) { dirty.add(key); scheduleDraw(true); }
}

function onStatus(name, payload) {
  // JSON (ioc.status/1, docs/status.schema.json): state starting, ok,
  // degraded, failed, stopped, or offline (the last will). An older iocd
  // sent text: "online", "degraded: <reason>", "offline".
  let state, detail = '';
  try {
    const doc = JSON.parse(payload);
    state = { ok: 'online', starting: 'online', stopped: 'offline' }[doc.state] || doc.state;
    if (state === 'degraded' || state === 'failed') detail = doc.last_error || '';
  } catch (e) {
    const [word, ...rest] = payload.split(':');
    state = word.trim();
    detail = rest.join(':').trim();
  }
  if (!['online', 'offline', 'failed', 'degraded'].includes(state)) state = 'degraded';
  const s = sources.get(name) || {};
  sources.set(name, { ...s, state, detail, epoch });
  if (!onlySources || onlySources.includes(name)) drawSource(name);
}

function onMessage(topic, bytes) {
  if (!topic.startsWith(prefix)) return;
  const rest = topic.slice(prefix.length);
  const payload = new TextDecoder().decode(bytes);
  try {
    if (rest.startsWith('_status/')) return onStatus(rest.slice(8), payload);
    if (!payload.length) return onRetired(topic);
    const doc = JSON.parse(payload);
    if (rest === '_catalog') {
      catalog = doc;
      series.forEach((e, key) => { if (isTile(e.rec)) dirty.add(key); });
      labelGridOptions();
      drawTicker();
      return scheduleDraw(true);
    }
    if (rest.startsWith('_summary/')) {
      const name = rest.slice(9);
      sources.set(name, { ...(sources.get(name) || { state: 'unknown', detail: '' }), summary: doc });
      if (!onlySources || onlySources.includes(name)) drawSource(name);
      return;
    }
    if (rest.startsWith('_alert/')) return onAlert(doc);
    if (rest.startsWith('_')) return; // a topic of a later version
    if (doc.schema !== 'ioc.metric/1') return; // refuse other major versions
    onRecord(topic, doc);
  } catch (e) {
    console.warn(`wall: ${topic}: not a JSON document (${e.message}), ignored`);
  }
}

// Redraw in batches: the retained burst on connecting is thousands of messages.
let drawPending = false, gridDirty = false;
function scheduleDraw(withGrid) {
  gridDirty = gridDirty || withGrid;
  if (drawPending) return;
  drawPending = true;
  setTimeout(() => {
    drawPending = false;
    dirty.forEach(drawTile);
    dirty.clear();
    if (gridDirty) drawGrid();
    gridDirty = false;
  }, 50);
}

// Everything unconfirmed (or confirmed again) changes look at once.
function redrawAll() {
  series.forEach((e, key) => { if (isTile(e.rec)) dirty.add(key); });
  sources.forEach((s, name) => drawSource(name));
  scheduleDraw(true);
}

// ---- connection -------------------------------------------------------------------

function setConnection(state) {
  document.body.dataset.connection = state;
  const banner = document.getElementById('banner');
  banner.hidden = state === 'up';
  banner.textContent = state === 'up' ? '' : state === 'connecting' ? text.connecting : text.noConnection;
  document.getElementById('connection').textContent = state === 'up' ? text.connected : '';
  redrawAll();
}

function connect() {
  // reconnectPeriod: mqtt.js retries by itself, every second, for ever;
  // a clean session and a fresh subscription give the retained state again.
  const client = mqtt.connect(brokerUrl, {
    reconnectPeriod: 1000, connectTimeout: 5000, clean: true, keepalive: 10,
    clientId: `wall-${Math.random().toString(16).slice(2, 10)}`,
  });
  client.on('connect', () => {
    epoch += 1;
    // QoS 0: the retained burst (thousands of messages) then needs no
    // acknowledgement per message; with QoS 1 the broker's in-flight window
    // held it to ~400 messages a second. A lost message is no risk here:
    // the next connection replays the retained state.
    client.subscribe(`${prefix}#`, { qos: 0 });
    setConnection('up');
  });
  client.on('close', () => { if (document.body.dataset.connection === 'up') setConnection('down'); });
  client.on('offline', () => setConnection('down'));
  client.on('error', (e) => console.warn(`wall: ${brokerUrl}: ${e.message}`));
  client.on('message', onMessage);
}

// The ages move on by themselves; so does the clock.
setInterval(() => {
  document.querySelectorAll('.tile, .commune, #province-value').forEach((el) => {
    const entry = el.classList.contains('tile') ? series.get(el.dataset.series) : el.entry;
    if (entry) drawAge(el, entry);
  });
  document.getElementById('clock').textContent =
    new Date().toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { hour12: false });
}, 1000);

// Nobody scrolls a wall: when the tiles do not fit, the panel turns a page
// every 15 s and starts over at the end (?sources= splits them over screens).
setInterval(() => {
  const panel = document.getElementById('sources');
  if (panel.scrollHeight <= panel.clientHeight) return;
  const atEnd = panel.scrollTop + panel.clientHeight >= panel.scrollHeight - 2;
  panel.scrollTop = atEnd ? 0 : panel.scrollTop + panel.clientHeight * 0.9;
}, 15000);

document.documentElement.lang = lang;
document.getElementById('title').textContent = text.title;
document.getElementById('grid-kpi-label').textContent = text.gridBy;
setConnection('connecting');
fetch('communes.json').then((r) => r.json()).then((g) => { grid = g; drawGrid(); })
  .catch((e) => console.warn(`wall: communes.json: ${e.message}`));
connect();
