// hooklab live: draws the board the server sends over Server-Sent Events.
//
// The server aggregates (see crates/live/src/board.rs): the first message is
// the whole board, each later one a frame with absolute counters and only the
// orders and rate buckets that changed. This script merges frames into its
// copy of the board and redraws at most once per animation frame. It loads
// nothing from anywhere but this server, and every word comes from
// window.LABELS (English or pt-BR, chosen by `--lang`).
'use strict';

const L = window.LABELS || {};
const LANG = document.documentElement.lang || 'en';
const css = getComputedStyle(document.documentElement);
const C = {};
for (const k of ['ink', 'paper', 'pending', 'waiting', 'missed']) {
  C[k] = css.getPropertyValue('--' + k).trim();
}
// One colour per strategy, by its place in the run: the same colours (Paul
// Tol's colour-blind-safe "muted" scheme), in the same order, as every chart
// of the run (crates/report/src/charts/style.rs, PALETTE), so a strategy is
// the same colour on the page and in the report. Hue means a strategy and
// nothing else: the order canvas says how an order is doing in greys and
// black, by shape and fill (a light bar, a dark bar, a tick, a diamond, a
// hatched bar; the legend above the lanes draws each as the canvas does).
const STRATEGY = ['#332288', '#cc6677', '#117733', '#ddcc77', '#88ccee',
  '#882255', '#44aa99', '#999933', '#aa4499'];
const strategyColour = (i) => STRATEGY[i % STRATEGY.length];
// Failed attempts are not listed: each one is followed by a retry, or ends as missed.
const COUNTERS = ['polls', 'wasted', 'deliveries', 'retries', 'rejected', 'rate_limited', 'duplicates', 'conflicts', 'missed'];

let board = null;     // the client's copy: see applyFrame
let lastSeq = -1;
let drawPending = false;
let seeking = false;  // the time scrubber is being moved: the clock previews it
const $ = (id) => document.getElementById(id);
const nf = new Intl.NumberFormat(LANG);
window.hooklab = { frames: 0, get board() { return board; } };

// --- numbers -----------------------------------------------------------------

/** A number with as many decimals as it deserves (as the CLI's table). */
function num(x) {
  const d = x >= 100 ? 0 : x >= 10 ? 1 : x >= 1 ? 2 : 3;
  return x.toLocaleString(LANG, { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: false });
}

/** A duration in ms, in the unit that reads best (mirrors render::dur). */
function dur(ms) {
  if (!(ms > 0)) return '0 ms';
  for (const [size, unit] of [[86400000, 'd'], [3600000, 'h'], [60000, 'min'], [1000, 's']]) {
    if (ms >= 2 * size) return num(ms / size) + ' ' + unit;
  }
  if (ms >= 10000) return num(ms / 1000) + ' s';
  return num(Math.max(ms, 0)) + ' ms';
}

// --- the board ---------------------------------------------------------------

function newLane(f) {
  return {
    name: f.name, kind: f.kind, n: f.orders, finished: f.finished, counters: f.counters,
    // A replay of a large run shows an evenly spread sample of its orders.
    total: f.sampled_from || f.orders, stride: f.order_stride || 1,
    bucketMs: f.bucket_ms, rate: [], life: new Float64Array(f.orders * 3).fill(-1),
    via: new Array(f.orders).fill('-'), placed: 0, dom: null,
  };
}

function applyFrame(f) {
  if (f.full) {
    board = { lanes: f.lanes.map(newLane) };
    buildLanes();
  } else if (!board || f.seq <= lastSeq || f.lanes.length !== board.lanes.length) {
    return; // older than our snapshot: what it says, we already know
  }
  lastSeq = f.seq;
  Object.assign(board, {
    mode: f.mode, phase: f.phase, t: f.t_ms, end: f.end_ms, paused: f.paused, speed: f.speed,
  });
  if (f.table) board.table = f.table;
  f.lanes.forEach((lf, i) => {
    const lane = board.lanes[i];
    lane.counters = lf.counters;
    lane.finished = lf.finished;
    lane.bucketMs = lf.bucket_ms;
    lf.rate.forEach((v, j) => { lane.rate[lf.rate_from + j] = v; });
    for (const [k, placed, settled, known, via] of lf.cells) {
      if (k >= lane.n) continue;
      if (lane.life[3 * k] < 0 && placed >= 0) lane.placed++;
      lane.life.set([placed, settled, known], 3 * k);
      lane.via[k] = via;
    }
  });
  window.hooklab.frames++;
  if (!drawPending) {
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; draw(); });
  }
}

// --- the page's parts ----------------------------------------------------------

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => { e.setAttribute(k, v); });
  kids.forEach((k) => e.append(k));
  return e;
}

function buildStatic() {
  $('title').textContent = L.title;
  document.title = L.title;
  $('speed-label').textContent = L.speed + ' ';
  $('seek-label').textContent = L.time + ' ';
  $('download').textContent = L.download;
  $('final-title').textContent = L.final;
  const legend = $('legend');
  for (const [key, state] of [['legend_pending', 'pending'], ['legend_waiting', 'waiting'],
    ['legend_poll', 'p'], ['legend_webhook', 'w'], ['legend_missed', 'missed']]) {
    const sample = el('canvas', { class: 'sample', width: 48, height: 20, 'aria-hidden': 'true' });
    drawSample(sample.getContext('2d'), state);
    legend.append(el('li', {}, sample, L[key]));
  }
  $('pause').addEventListener('click', () => control({ paused: !board.paused }));
  $('speed').addEventListener('change', (e) => control({ speed: Number(e.target.value) }));
  // The scrubber is in thousandths of the run, so its far end is the run's
  // exact end. Dragging previews the time on the clock; letting go seeks.
  const seek = $('seek');
  seek.title = L.seek;
  seek.addEventListener('input', () => {
    seeking = true;
    if (board) drawHeader();
  });
  seek.addEventListener('change', () => {
    seeking = true;
    control({ at_ms: scrubbed() }).finally(() => { seeking = false; });
  });
}

/** The instant the time scrubber points at, ms on the run's clock. */
function scrubbed() {
  return (Number($('seek').value) / 1000) * board.end;
}

function buildLanes() {
  const main = $('lanes');
  main.replaceChildren();
  document.body.classList.toggle('many', board.lanes.length > 3);
  board.lanes.forEach((lane, index) => {
    lane.colour = strategyColour(index);
    const counters = el('dl', { class: 'counters' });
    const dd = {};
    for (const k of COUNTERS) {
      dd[k] = el('dd', { 'data-k': k }, '0');
      counters.append(el('div', {}, el('dt', { title: L[k] }, L[k]), dd[k]));
    }
    const known = el('b', { 'data-k': 'known' }, '0');
    const info = el('div', { class: 'info' },
      el('h2', {}, el('i', { class: 'swatch', 'aria-hidden': 'true' }), lane.name, el('small', {}, lane.kind)),
      el('p', { class: 'known-line' }, known, ' / ' + nf.format(lane.total) + ' ' + L.known),
      counters);
    const ordersCanvas = el('canvas', { class: 'orders', role: 'img', 'aria-label': L.orders });
    const rateNow = el('b', {}, '0');
    const spark = el('canvas', { class: 'spark', role: 'img', 'aria-label': L.rps });
    const p50 = el('b', {}, '');
    const hist = el('canvas', { class: 'hist', role: 'img', 'aria-label': L.delays });
    const section = el('section', { class: 'lane', 'data-name': lane.name, style: '--strategy:' + lane.colour },
      info,
      el('figure', { class: 'orders-fig' }, el('figcaption', {}, el('span', {}, L.orders + sampleNote(lane))), ordersCanvas),
      el('figure', {}, el('figcaption', {}, el('span', {}, L.rps), rateNow), spark),
      el('figure', {}, el('figcaption', {}, el('span', {}, L.delays), p50), hist));
    ordersCanvas.addEventListener('mousemove', (e) => explainOrder(lane, ordersCanvas, e));
    main.append(section);
    lane.dom = { section, dd, known, ordersCanvas, spark, rateNow, hist, p50 };
  });
}

/** Says when a lane shows a sample of its orders, not all of them. */
function sampleNote(lane) {
  if (lane.stride <= 1) return '';
  return ' (' + L.sample.replace('{n}', nf.format(lane.n)).replace('{m}', nf.format(lane.total))
    .replace('{k}', nf.format(lane.stride)) + ')';
}

function control(body) {
  return fetch('/control', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  }).catch(() => {});
}

// --- drawing -------------------------------------------------------------------

/** A canvas sized to its box in device pixels, and its context in CSS pixels. */
function surface(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '14px system-ui, sans-serif';
  return { g, w, h };
}

/** The time the lanes' x axes span: the whole replay, or the run so far.
 *  Exactly that, so the axis's last label is the header's length of the
 *  run (a tester saw "25,1 h" under a run of "24,6 h" when it was padded
 *  by 2%); the room a mark at the very end needs is `END_PX` instead. */
function span() {
  let t = Math.max(board.t || 0, board.end || 0);
  for (const lane of board.lanes) {
    for (let i = 0; i < lane.life.length; i++) t = Math.max(t, lane.life[i]);
  }
  return Math.max(t, 1000);
}

/** Pixels kept right of a time axis's end, so that a mark or the "now"
 *  line drawn at the run's last instant is not cut by the canvas's edge. */
const END_PX = 8;

function draw() {
  if (!board) return;
  drawHeader();
  const T = span();
  window.hooklab.span = T;
  let maxRps = 1;
  const delays = board.lanes.map(laneDelays);
  let lo = Infinity, hi = 0;
  for (const d of delays) for (const x of d) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  for (const lane of board.lanes) {
    for (const v of lane.rate) maxRps = Math.max(maxRps, (v || 0) * 1000 / lane.bucketMs);
  }
  board.lanes.forEach((lane, i) => {
    drawCounters(lane);
    drawOrders(lane, T);
    drawRate(lane, T, maxRps);
    drawDelays(lane, delays[i], lo, hi);
  });
  const fin = board.phase === 'finished' && board.table;
  const wasHidden = $('final').hidden;
  $('final').hidden = !fin;
  if (fin && $('table').textContent !== board.table) {
    $('table').textContent = board.table;
    fitTable();
  }
  // The run just ended in front of the class: bring the verdict into view.
  if (fin && wasHidden && window.hooklab.frames > 1) $('final').scrollIntoView({ block: 'end' });
}

/** Sizes the table's font so its widest row (the rule of dashes under the
 *  header is as wide as the table) fits the page: no sideways scrolling on a
 *  projector. */
function fitTable() {
  const pre = $('table');
  const rule = board.table.split('\n').find((l) => /^-{10,}$/.test(l));
  if (!rule) return;
  pre.style.fontSize = '';
  const probe = el('span', {}, '0'.repeat(100));
  pre.append(probe);
  const charW = probe.getBoundingClientRect().width / 100;
  probe.remove();
  const pad = parseFloat(getComputedStyle(pre).paddingLeft) * 2;
  const room = pre.clientWidth - pad - 16; // 16: room for a scroll bar appearing
  const size = parseFloat(getComputedStyle(pre).fontSize);
  if (charW * rule.length > room) pre.style.fontSize = Math.max((size * room) / (charW * rule.length), 9) + 'px';
}

function drawHeader() {
  $('mode').textContent = board.mode === 'replay' ? L.replay : L.live;
  const phase = board.paused && board.phase === 'running' ? 'paused' : board.phase;
  $('phase').textContent = L[phase] || phase;
  $('phase').className = phase;
  const replay = board.mode === 'replay';
  const t = replay && seeking ? scrubbed() : board.t;
  $('clock').textContent = replay && board.end > 0 ? dur(t) + ' / ' + dur(board.end) : dur(t);
  const seek = $('seek');
  $('seek-box').hidden = !replay || !(board.end > 0);
  if (replay && !seeking && board.end > 0) seek.value = String(Math.round((board.t / board.end) * 1000));
  seek.setAttribute('aria-valuetext', $('clock').textContent);
  $('pause').hidden = !replay || board.phase === 'finished';
  $('pause').textContent = board.paused ? L.resume : L.pause;
  $('speed-box').hidden = !replay || board.phase === 'finished';
  const sel = $('speed');
  if (replay && document.activeElement !== sel) {
    // A speed the list lacks (`--speed 3000`, or one set by POST /control)
    // goes in its numeric place; one the list has is not added twice.
    let option = [...sel.options].find((o) => Number(o.value) === board.speed);
    if (!option) {
      option = el('option', { value: String(board.speed) }, board.speed + '×');
      sel.insertBefore(option, [...sel.options].find((o) => Number(o.value) > board.speed) || null);
    }
    sel.value = option.value;
  }
  $('download').hidden = !(replay || board.phase === 'finished');
}

function drawCounters(lane) {
  const { dd, known, section } = lane.dom;
  for (const k of COUNTERS) {
    const v = lane.counters[k] || 0;
    dd[k].textContent = nf.format(v);
    dd[k].className = v === 0 ? 'zero' : (k === 'missed' || k === 'rejected' || k === 'conflicts') ? 'bad' : '';
  }
  known.textContent = nf.format(lane.counters.known);
  section.dataset.known = lane.counters.known;
  section.dataset.placed = lane.placed;
  section.dataset.orders = lane.n;
}

/** The hatch that fills a missed order's bar: black stripes on white. */
let hatch = null;
function missedFill(g) {
  if (!hatch) {
    const tile = document.createElement('canvas');
    tile.width = 6; tile.height = 6;
    const t = tile.getContext('2d');
    t.fillStyle = C.paper; t.fillRect(0, 0, 6, 6);
    t.strokeStyle = C.ink; t.lineWidth = 1.5;
    t.beginPath(); t.moveTo(0, 6); t.lineTo(6, 0); t.moveTo(-1, 1); t.lineTo(1, -1); t.moveTo(5, 7); t.lineTo(7, 5); t.stroke();
    hatch = g.createPattern(tile, 'repeat');
  }
  return hatch;
}

/** The mark of how an order was learned, centred on (x, y), `size` tall:
 *  a poll is a tick, a webhook (or a stream: both push) a diamond, learned
 *  at creation a ring. */
function learnedMark(g, via, x, y, size) {
  g.fillStyle = C.ink;
  g.strokeStyle = C.ink;
  const r = Math.max(size / 2, 1.5);
  if (via === 'w' || via === 's') {
    g.beginPath();
    g.moveTo(x, y - r); g.lineTo(x + r, y); g.lineTo(x, y + r); g.lineTo(x - r, y);
    g.closePath(); g.fill();
  } else if (via === 'c') {
    g.lineWidth = Math.max(r / 2.5, 1);
    g.beginPath(); g.arc(x, y, r * 0.8, 0, 2 * Math.PI); g.stroke();
  } else {
    g.fillRect(x - 1.5, y - r, 3, 2 * r);
  }
}

/** A legend sample of `state`, drawn as the order canvas draws it. */
function drawSample(g, state) {
  const [w, h] = [48, 20];
  const y = h / 2;
  if (state === 'pending') {
    g.fillStyle = C.pending; g.fillRect(2, y - 3, w - 4, 6);
  } else if (state === 'waiting') {
    g.fillStyle = C.waiting; g.fillRect(2, y - 6, w - 4, 12);
  } else if (state === 'missed') {
    g.fillStyle = missedFill(g); g.fillRect(2, y - 6, w - 4, 12);
    g.strokeStyle = C.ink; g.lineWidth = 1; g.strokeRect(2.5, y - 5.5, w - 5, 11);
  } else {
    g.fillStyle = C.waiting; g.fillRect(2, y - 6, w / 2 - 2, 12);
    learnedMark(g, state, w / 2, y, 16);
  }
}

/** Each order a row: a thin light-grey bar while its payment is pending, a
 *  full dark-grey bar while the shop does not know it settled (the delay
 *  being measured), then a black mark whose shape says how it was learned;
 *  a missed order's bar is hatched. No hue: hue is the lane's strategy. */
function drawOrders(lane, T) {
  const { g, w, h } = surface(lane.dom.ordersCanvas);
  const plotH = h - 18;
  const rowH = plotH / Math.max(lane.n, 1);
  const barH = Math.max(rowH * 0.7, 1);
  const x = (t) => (t / T) * (w - END_PX);
  const now = board.t;
  const over = lane.finished || board.phase === 'finished';
  for (let k = 0; k < lane.n; k++) {
    const [placed, settled, known] = lane.life.subarray(3 * k, 3 * k + 3);
    if (placed < 0) continue;
    const y = k * rowH;
    const settledOrNow = settled >= 0 ? settled : Math.max(now, placed);
    g.fillStyle = C.pending;
    g.fillRect(x(placed), y + barH * 0.25, Math.max(x(settledOrNow) - x(placed), 1), Math.max(barH * 0.5, 1));
    if (settled >= 0) {
      const end = known >= 0 ? known : over ? T : Math.max(now, settled);
      g.fillStyle = known < 0 && over ? missedFill(g) : C.waiting;
      g.fillRect(x(settled), y, Math.max(x(end) - x(settled), 1.5), barH);
    }
    if (known >= 0) {
      learnedMark(g, lane.via[k], x(known), y + barH / 2, Math.max(rowH, 3));
      if (lane.n <= 24 && settled >= 0) {
        g.fillStyle = C.ink;
        g.fillText('+' + dur(known - settled), x(known) + 6, y + barH);
      }
    }
  }
  // The time axis: 0, half-way, the end (the run's, as the header says).
  g.fillStyle = C.ink;
  g.textBaseline = 'bottom';
  g.fillText('0', 2, h);
  g.textAlign = 'center';
  g.fillText(dur(T / 2), x(T / 2), h);
  g.textAlign = 'right';
  g.fillText(dur(T), w - 2, h);
  g.textAlign = 'left';
  g.textBaseline = 'alphabetic';
  if (!over && now > 0) {
    g.fillStyle = C.ink;
    g.fillRect(x(now), 0, 2, plotH);
  }
}

function explainOrder(lane, canvas, e) {
  const k = Math.floor((e.offsetY / (canvas.clientHeight - 18)) * lane.n);
  if (k < 0 || k >= lane.n) return;
  const [placed, settled, known] = lane.life.subarray(3 * k, 3 * k + 3);
  const id = 'ord_' + String(k * lane.stride + 1).padStart(6, '0');
  canvas.title = placed < 0 ? id : known >= 0 && settled >= 0
    ? id + ': +' + dur(known - settled) + ' (' + (lane.via[k] === 'w' ? L.legend_webhook : lane.via[k] === 's' ? L.legend_stream : L.legend_poll) + ')'
    : id + ': ' + (settled >= 0 ? L.legend_waiting : L.legend_pending);
}

/** Notification requests per second over the run, on a scale shared by every
 *  lane, so a quiet webhook lane looks quiet beside a busy poller. */
function drawRate(lane, T, maxRps) {
  const { g, w, h } = surface(lane.dom.spark);
  const per = 1000 / lane.bucketMs;
  // The orders' time axis, pixel for pixel: the run's end at `w - END_PX`.
  const plotW = Math.max(w - END_PX, 1);
  const buckets = Math.max(T / lane.bucketMs, 1);
  const upTo = Math.min(lane.rate.length, Math.ceil((board.t || 0) / lane.bucketMs) + 1);
  g.beginPath();
  g.moveTo(0, h);
  let last = 0;
  for (let px = 0; px < plotW; px++) {
    const b0 = Math.floor((px / plotW) * buckets), b1 = Math.max(Math.floor(((px + 1) / plotW) * buckets), b0 + 1);
    if (b0 >= Math.max(upTo, lane.rate.length)) break;
    let sum = 0;
    for (let b = b0; b < b1; b++) sum += lane.rate[b] || 0;
    const rps = (sum / (b1 - b0)) * per;
    g.lineTo(px, h - (rps / maxRps) * (h - 4));
    last = px;
  }
  g.lineTo(last, h);
  g.closePath();
  g.fillStyle = lane.colour;
  g.globalAlpha = 0.35;
  g.fill();
  g.globalAlpha = 1;
  g.strokeStyle = lane.colour;
  g.lineWidth = 2;
  g.stroke();
  g.fillStyle = C.ink;
  g.fillText(nf.format(Math.round(maxRps)) + '/s', 2, 14);
  // The rate now: the last second of full buckets (or the last bucket, if
  // wider), so a poller that fires once a second does not read 0/s between.
  const span1s = Math.max(1, Math.round(1000 / lane.bucketMs));
  const recent = lane.rate.slice(Math.max(upTo - 1 - span1s, 0), Math.max(upTo - 1, 1));
  const nowRps = recent.length ? (recent.reduce((a, b) => a + (b || 0), 0) / recent.length) * per : 0;
  lane.dom.rateNow.textContent = board.phase === 'finished' ? '' : nf.format(Math.round(nowRps)) + '/s';
}

function laneDelays(lane) {
  const out = [];
  for (let k = 0; k < lane.n; k++) {
    const settled = lane.life[3 * k + 1], known = lane.life[3 * k + 2];
    if (settled >= 0 && known >= 0) out.push(Math.max(known - settled, 0.01));
  }
  return out.sort((a, b) => a - b);
}

/** The delays learned so far, on a log scale shared by every lane. */
function drawDelays(lane, delays, lo, hi) {
  const { g, w, h } = surface(lane.dom.hist);
  if (!delays.length) {
    g.fillStyle = C.ink;
    g.fillText(L.no_delays, 4, h / 2);
    lane.dom.p50.textContent = '';
    return;
  }
  const BINS = 24;
  const a = Math.log10(lo), b = Math.max(Math.log10(hi), a + 1);
  const counts = new Array(BINS).fill(0);
  for (const d of delays) counts[Math.min(Math.floor(((Math.log10(d) - a) / (b - a)) * BINS), BINS - 1)]++;
  const top = Math.max(...counts);
  const plotH = h - 18;
  g.fillStyle = lane.colour;
  counts.forEach((c, i) => {
    const bh = (c / top) * (plotH - 2);
    g.fillRect((i / BINS) * w + 1, plotH - bh, w / BINS - 2, bh);
  });
  g.fillStyle = C.ink;
  g.fillRect(0, plotH, w, 2);
  g.textBaseline = 'bottom';
  g.fillText(dur(lo), 2, h);
  g.textAlign = 'right';
  g.fillText(dur(Math.pow(10, b)), w - 2, h);
  g.textAlign = 'left';
  g.textBaseline = 'alphabetic';
  lane.dom.p50.textContent = 'p50 ' + dur(delays[Math.floor((delays.length - 1) / 2)]);
}

// --- the stream ----------------------------------------------------------------

buildStatic();
const source = new EventSource('/events');
source.onmessage = (e) => {
  $('status').classList.remove('offline');
  applyFrame(JSON.parse(e.data));
};
source.onerror = () => {
  // EventSource reconnects by itself; the next snapshot resynchronises us.
  $('status').classList.add('offline');
  $('phase').textContent = L.disconnected;
};
window.addEventListener('resize', () => {
  if (!board) return;
  draw();
  if (board.table) fitTable();
});
