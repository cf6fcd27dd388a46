// digitnet serve's page: draw a digit, read the answer, look inside, watch a network learn.
// Everything it shows comes from the server's JSON API (docs/api.md); the pictures the network
// is given are made by the server, with the same library code as `digitnet predict`.
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  model: '',          // the selected model's name
  models: [],
  strokes: [],        // each stroke: a list of [x, y] in canvas pixels
  photo: null,        // an uploaded picture (base64) shown instead of strokes
  photoImage: null,
  pending: false,     // a predict request is in flight
  again: false,       // the drawing changed while it was
  training: null,     // the run's model name while one goes
  history: [],
};

// --- API ---
async function api(path, options = {}) {
  const response = await fetch(path, options);
  const type = response.headers.get('Content-Type') || '';
  const body = type.startsWith('application/json') ? await response.json() : null;
  if (!response.ok) throw new Error(body && body.error ? body.error : `${response.status} ${response.statusText}`);
  return body;
}
const post = (path, body) => api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                         body: JSON.stringify(body || {}) });

// --- tabs (arrow keys move between them) ---
const tabs = ['draw', 'card', 'learn'];
function showTab(name, focus) {
  for (const t of tabs) {
    const selected = t === name;
    $('tab-' + t).setAttribute('aria-selected', String(selected));
    $('tab-' + t).tabIndex = selected ? 0 : -1;
    $('view-' + t).hidden = !selected;
  }
  if (focus) $('tab-' + name).focus();
  if (name === 'card') showCard();
}
for (const t of tabs) {
  $('tab-' + t).addEventListener('click', () => showTab(t));
  $('tab-' + t).addEventListener('keydown', (e) => {
    const i = tabs.indexOf(t);
    if (e.key === 'ArrowRight') showTab(tabs[(i + 1) % tabs.length], true);
    if (e.key === 'ArrowLeft') showTab(tabs[(i + tabs.length - 1) % tabs.length], true);
  });
}

// --- models ---
async function loadModels(select) {
  const { models } = await api('/api/models');
  state.models = models;
  const menu = $('model');
  menu.replaceChildren(...models.map((m) => {
    const option = document.createElement('option');
    option.value = m.name;
    option.textContent = `${m.name} (${m.kind.toUpperCase()}, ${m.parameters.toLocaleString('en')} parameters)`;
    return option;
  }));
  const wanted = select || state.model;
  state.model = models.some((m) => m.name === wanted) ? wanted : (models[0] ? models[0].name : '');
  menu.value = state.model;
  showWeights();
}
$('model').addEventListener('change', () => {
  state.model = $('model').value;
  showWeights();
  if (!$('view-card').hidden) showCard();
  predict();
});

function currentKind() {
  const m = state.models.find((x) => x.name === state.model);
  return m ? m.kind : 'mlp';
}

function showWeights() {
  const figure = $('weights-figure');
  if (!state.model) { figure.hidden = true; return; }
  const cnn = currentKind() === 'cnn';
  $('weights').src = `/api/models/${encodeURIComponent(state.model)}/weights.png?t=${Date.now()}`;
  $('weights-caption').textContent = cnn
    ? 'the filters of each convolutional layer (blue negative, red positive)'
    : "the first layer's weights: one tile per hidden neuron (blue negative, red positive)";
  $('weights').onerror = () => { figure.hidden = true; };
  $('weights').onload = () => { figure.hidden = false; };
}

// --- drawing ---
const pad = $('pad');
const ink = pad.getContext('2d');
function redraw() {
  ink.fillStyle = '#fff';
  ink.fillRect(0, 0, pad.width, pad.height);
  if (state.photoImage) {
    const img = state.photoImage;
    const s = Math.min(pad.width / img.width, pad.height / img.height);
    ink.drawImage(img, (pad.width - img.width * s) / 2, (pad.height - img.height * s) / 2, img.width * s, img.height * s);
  }
  ink.strokeStyle = '#000';
  ink.lineWidth = 18;
  ink.lineCap = 'round';
  ink.lineJoin = 'round';
  for (const stroke of state.strokes) {
    ink.beginPath();
    ink.moveTo(stroke[0][0], stroke[0][1]);
    for (const [x, y] of stroke) ink.lineTo(x, y);
    if (stroke.length === 1) ink.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
    ink.stroke();
  }
}
function padPoint(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
}
let drawing = false;
pad.addEventListener('pointerdown', (e) => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  if (state.photo) { state.photo = null; state.photoImage = null; }
  drawing = true;
  state.strokes.push([padPoint(e)]);
  redraw();
  predict();
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  e.preventDefault();
  state.strokes[state.strokes.length - 1].push(padPoint(e));
  redraw();
  predict();
});
const endStroke = () => { if (drawing) { drawing = false; predict(); } };
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);
pad.addEventListener('touchmove', (e) => e.preventDefault(), { passive: false });

function clearPad() {
  state.strokes = [];
  state.photo = null;
  state.photoImage = null;
  redraw();
  predict();
}
function undo() {
  if (state.photo) { clearPad(); return; }
  state.strokes.pop();
  redraw();
  predict();
}
$('clear').addEventListener('click', clearPad);
$('undo').addEventListener('click', undo);
pad.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' || e.key === 'Delete') { e.preventDefault(); clearPad(); }
  if (e.key === 'Backspace' || ((e.ctrlKey || e.metaKey) && e.key === 'z')) { e.preventDefault(); undo(); }
});

// A photo is sent as it is when it is small (then the server sees exactly the file `predict`
// would read); a large one is scaled down here first, to fit the request's size limit.
const kMaxImageBytes = 48 * 1024;
$('photo').addEventListener('change', async () => {
  const file = $('photo').files[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const bitmap = await createImageBitmap(file);
  let base64;
  if (bytes.length <= kMaxImageBytes) {
    base64 = toBase64(bytes);
  } else {
    const scale = Math.min(1, 400 / Math.max(bitmap.width, bitmap.height));
    const c = document.createElement('canvas');
    c.width = Math.max(1, Math.round(bitmap.width * scale));
    c.height = Math.max(1, Math.round(bitmap.height * scale));
    c.getContext('2d').drawImage(bitmap, 0, 0, c.width, c.height);
    for (const quality of [0.9, 0.7, 0.5, 0.3]) {
      base64 = c.toDataURL('image/jpeg', quality).split(',')[1];
      if (base64.length * 3 / 4 <= kMaxImageBytes) break;
    }
  }
  state.strokes = [];
  state.photo = base64;
  state.photoImage = bitmap;
  redraw();
  $('photo').value = '';
  predict();
});
function toBase64(bytes) {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

// --- reading the digit (one request at a time; the latest drawing wins) ---
async function predict() {
  if (state.pending) { state.again = true; return; }
  state.pending = true;
  try {
    do {
      state.again = false;
      const empty = !state.photo && state.strokes.length === 0;
      const image = state.photo || pad.toDataURL('image/png').split(',')[1];
      const body = { image, inside: true };
      if (state.model) body.model = state.model;
      if (empty) { showBlank(); continue; }
      try {
        showAnswer(await post('/api/predict', body));
      } catch (err) {
        $('answer').textContent = '?';
        $('answer').className = 'answer small';
        $('message').textContent = err.message;
      }
    } while (state.again);
  } finally {
    state.pending = false;
  }
}

function showBlank() {
  $('answer').textContent = 'draw a digit';
  $('answer').className = 'answer small';
  $('answer').dataset.digit = '';
  $('message').textContent = '';
  drawBars(null);
  drawInput(null);
  $('hidden-layers').replaceChildren();
  $('maps-figure').hidden = true;
}

function showAnswer(a) {
  if (a.blank) { showBlank(); drawInput(a.input); return; }
  const answer = $('answer');
  answer.textContent = a.answer;
  answer.className = a.unsure ? 'answer unsure' : 'answer';
  answer.dataset.digit = a.digit === null ? '' : String(a.digit);
  const notes = [];
  if (a.unsure) notes.push(`not sure (${Math.round(100 * a.confidence)}%)`);
  else notes.push(`${Math.round(100 * a.confidence)}% sure`);
  if (a.unfamiliar && a.unfamiliar.length) notes.push('this does not look like the digits it learned from: ' + a.unfamiliar.join('; '));
  $('message').textContent = notes.join(' · ');
  drawBars(a.outputs, a.digit);
  drawInput(a.input);
  drawHidden(a.hidden || []);
  if (a.feature_maps) {
    $('maps').src = 'data:image/png;base64,' + a.feature_maps;
    $('maps-figure').hidden = false;
  } else {
    $('maps-figure').hidden = true;
  }
}

function drawBars(outputs, top) {
  const bars = $('bars');
  const count = outputs ? outputs.length : 10;
  const cells = [];
  for (let i = 0; i < count; ++i) {
    const v = outputs ? outputs[i] : 0;
    const label = document.createElement('span');
    label.textContent = count === 10 ? String(i) : (i ? 'yes' : 'no');
    const bar = document.createElement('span');
    bar.className = i === top ? 'bar top' : 'bar';
    bar.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
    bar.setAttribute('role', 'meter');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '1');
    bar.setAttribute('aria-valuenow', String(v));
    bar.setAttribute('aria-label', `output ${label.textContent}`);
    const value = document.createElement('span');
    value.textContent = outputs ? v.toFixed(3) : '';
    cells.push(label, bar, value);
  }
  bars.replaceChildren(...cells);
}

function drawInput(input) {
  const c = $('input28').getContext('2d');
  const picture = c.createImageData(28, 28);
  for (let i = 0; i < 784; ++i) {
    const g = input ? Math.round(255 * Math.max(0, Math.min(1, input[i]))) : 0;
    picture.data.set([g, g, g, 255], 4 * i);
  }
  c.putImageData(picture, 0, 0);
}

// Each hidden layer's activations as grey squares (3Blue1Brown's picture): black 0, white the
// layer's largest (1 for sigmoid).
function drawHidden(layers) {
  const box = $('hidden-layers');
  box.replaceChildren(...layers.map((layer, l) => {
    const section = document.createElement('div');
    const title = document.createElement('h3');
    const peak = layer.activation === 'sigmoid' || layer.activation === 'softmax'
      ? 1 : Math.max(1e-6, ...layer.values.map(Math.abs));
    title.textContent = `hidden layer ${l + 1}: ${layer.values.length} ${layer.activation} neurons` +
      (peak === 1 ? '' : ` (white = ${peak.toFixed(2)})`);
    const grid = document.createElement('div');
    grid.className = 'layer-grid';
    const columns = Math.min(layer.values.length, 25);
    grid.style.gridTemplateColumns = `repeat(${columns}, 12px)`;
    for (const v of layer.values) {
      const cell = document.createElement('span');
      const g = Math.round(255 * Math.max(0, Math.min(1, Math.abs(v) / peak)));
      cell.style.background = `rgb(${g},${g},${g})`;
      cell.title = v.toFixed(3);
      grid.append(cell);
    }
    section.append(title, grid);
    return section;
  }));
}

// --- the model card ---
async function showCard() {
  if (!state.model) return;
  const card = await api(`/api/models/${encodeURIComponent(state.model)}`);
  $('card-title').textContent = `Model ${card.name}`;
  const rows = [
    ['architecture', card.architecture],
    ['kind', card.kind === 'cnn' ? 'convolutional network' : 'fully connected network'],
    ['parameters', card.parameters.toLocaleString('en')],
    ['file', card.source || 'trained in this session'],
    ['trained on', card.data || 'not recorded'],
    ['test accuracy', card.test_accuracy === null ? 'not measured'
      : `${(100 * card.test_accuracy).toFixed(2)}% (${card.test_accuracy_source})`],
    ['training settings', card.settings.length ? card.settings.join('; ') : 'not stored in the file'],
  ];
  $('card').replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
  $('layers').tBodies[0].replaceChildren(...card.layers.map((layer) => {
    const tr = document.createElement('tr');
    for (const v of [layer.layer, layer.output, layer.parameters.toLocaleString('en')]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
  $('curves-none').hidden = card.curves.length > 0;
  plotCurves($('card-curves'), card.curves, 0);
}

// Accuracy per epoch: training, validation and test, 0..100% on the left axis.
function plotCurves(canvas, history, epochs) {
  const c = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, left = 44, right = 12, top = 12, bottom = 30;
  c.fillStyle = '#fff';
  c.fillRect(0, 0, w, h);
  const n = Math.max(epochs, history.length, 1);
  const values = history.flatMap((m) => [m.train_accuracy, m.validation_accuracy, m.test_accuracy]).filter((v) => v != null);
  const low = values.length ? Math.max(0, Math.floor(Math.min(...values) * 10) / 10) : 0;
  const x = (epoch) => left + (n === 1 ? 0.5 : (epoch - 1) / (n - 1)) * (w - left - right);
  const y = (v) => top + (1 - (v - low) / (1 - low || 1)) * (h - top - bottom);
  c.strokeStyle = '#ccc';
  c.fillStyle = '#444';
  c.font = '12px sans-serif';
  for (let k = 0; k <= 4; ++k) {
    const v = low + (1 - low) * k / 4;
    c.beginPath(); c.moveTo(left, y(v)); c.lineTo(w - right, y(v)); c.stroke();
    c.fillText(`${(100 * v).toFixed(0)}%`, 4, y(v) + 4);
  }
  for (let e = 1; e <= n; ++e) c.fillText(String(e), x(e) - 3, h - 10);
  const series = [['train_accuracy', '#999', 'training'], ['validation_accuracy', '#1f5fbf', 'validation'],
                  ['test_accuracy', '#c0392b', 'test']];
  series.forEach(([key, colour, name], i) => {
    const points = history.filter((m) => m[key] != null);
    c.strokeStyle = colour;
    c.fillStyle = colour;
    c.lineWidth = 2;
    c.beginPath();
    points.forEach((m, k) => (k ? c.lineTo(x(m.epoch), y(m[key])) : c.moveTo(x(m.epoch), y(m[key]))));
    c.stroke();
    for (const m of points) c.fillRect(x(m.epoch) - 2, y(m[key]) - 2, 4, 4);
    c.fillText(name, left + 10 + i * 90, top + 12);
  });
  c.lineWidth = 1;
}

// --- watch it learn ---
async function loadTraining() {
  const s = await api('/api/train');
  $('preset').replaceChildren(...s.presets.map((p) => {
    const option = document.createElement('option');
    option.value = p.name;
    option.textContent = p.name;
    option.title = p.description;
    return option;
  }));
  $('preset').value = 'default';
  if (!s.available) {
    $('start').disabled = true;
    $('train-message').textContent = 'training is off: the server found no training data';
  }
  setRunning(s.running);
}
function setRunning(running) {
  $('start').disabled = running;
  $('stop').disabled = !running;
}

$('train-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('train-message').textContent = '';
  try {
    const started = await post('/api/train', {
      preset: $('preset').value, epochs: Number($('epochs').value), examples: Number($('examples').value) });
    $('train-message').textContent = `training ${started.model}: ${started.preset}, ${started.epochs} epochs, ` +
      `${started.examples.toLocaleString('en')} examples`;
  } catch (err) {
    $('train-message').textContent = err.message;
  }
});
$('stop').addEventListener('click', async () => {
  try { await post('/api/train/stop'); } catch (err) { $('train-message').textContent = err.message; }
});
$('save').addEventListener('click', async () => {
  try {
    const saved = await post(`/api/models/${encodeURIComponent($('save').dataset.model)}/save`);
    $('saved').textContent = `saved as ${saved.saved}`;
  } catch (err) {
    $('saved').textContent = err.message;
  }
});

function epochRow(m) {
  const tr = document.createElement('tr');
  const pct = (v) => (v == null ? '-' : `${(100 * v).toFixed(2)}%`);
  for (const v of [m.epoch, m.train_cost == null ? '-' : m.train_cost.toFixed(4), pct(m.train_accuracy),
                   pct(m.validation_accuracy), pct(m.test_accuracy), (m.seconds || 0).toFixed(1)]) {
    const td = document.createElement('td');
    td.textContent = v;
    tr.append(td);
  }
  return tr;
}

function listen() {
  const events = new EventSource('/api/train/events');
  let epochs = 0;
  events.addEventListener('start', async (e) => {
    const s = JSON.parse(e.data);
    state.training = s.model;
    state.history = [];
    epochs = s.epochs;
    $('epochs-table').tBodies[0].replaceChildren();
    $('progress').value = 0;
    $('save').hidden = true;
    $('saved').textContent = '';
    $('training-model').textContent = `'${s.model}'`;
    plotCurves($('train-curves'), [], epochs);
    setRunning(true);
    await loadModels(s.model);  // draw against the network as it learns
    predict();
  });
  events.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    $('progress').value = p.total ? p.done / p.total : 0;
    $('progress').title = `epoch ${p.epoch} of ${p.epochs}: ${p.done} of ${p.total} examples`;
  });
  events.addEventListener('epoch', (e) => {
    const m = JSON.parse(e.data);
    state.history.push(m);
    $('epochs-table').tBodies[0].append(epochRow(m));
    plotCurves($('train-curves'), state.history, m.epochs || epochs);
    if (state.model === state.training) { showWeights(); predict(); }
  });
  events.addEventListener('done', (e) => {
    const d = JSON.parse(e.data);
    setRunning(false);
    $('progress').value = 1;
    $('train-message').textContent = `${d.model}: ${d.status}` + (d.error ? ` (${d.error})` : '') +
      (d.epochs_done !== undefined ? `, ${d.epochs_done} epochs` : '');
    $('save').hidden = false;
    $('save').dataset.model = d.model;
    if (state.model === d.model) { showWeights(); predict(); }
  });
}

// --- start ---
redraw();
showBlank();
loadModels().then(loadTraining).then(listen).catch((err) => { $('message').textContent = err.message; });
