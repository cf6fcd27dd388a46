// The page in headless Chromium (Debian's chromium, driven by playwright-core): a 7 drawn with
// mouse moves reads 7; nothing drawn reads "draw a digit"; an uploaded picture gets the same
// input and answer as `digitnet predict`; the CNN shows its feature maps and filters; the model
// card shows the curves; a two-epoch training streams both epochs to the page and its model can
// be saved; the page fits a phone's screen.
// Screenshots of each state go to $DIGITNET_WEB_OUT/screenshots/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, digitnet, model, out, startServe } from './serve.mjs';

const SKIP = 77;  // CTest's SKIP_RETURN_CODE: no browser or no playwright-core here
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const playwrightPath = process.env.PLAYWRIGHT_CORE;
if (!fs.existsSync(browserPath) || !playwrightPath || !fs.existsSync(playwrightPath)) {
  console.log(`skipped: needs ${browserPath} and playwright-core (scripts/setup.sh test installs both)`);
  process.exit(SKIP);
}
const { chromium } = await import(pathToFileURL(path.join(playwrightPath, 'index.mjs')).href);

const shots = path.join(out, 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const mlp = model('mlp.safetensors');
const server = await startServe([mlp, model('cnn.safetensors'), '--metrics', model('mlp.jsonl'), '--save-dir', out]);
const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // (The second training start below is refused on purpose: its 409 is no problem.)
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 409')) problems.push(m.text()); });
  await page.goto(server.url);
  await page.waitForFunction(() => document.querySelectorAll('#model option').length > 0);
  const pad = await page.locator('#pad').boundingBox();
  const answer = () => page.locator('#answer').textContent();
  const settle = () => page.waitForFunction(() => true).then(() => page.waitForTimeout(300));

  // Nothing drawn: "draw a digit".
  check((await answer()) === 'draw a digit', `blank canvas reads '${await answer()}'`);
  check(await page.evaluate(() => getComputedStyle(document.getElementById('pad')).touchAction) === 'none',
        'the canvas must not scroll the page (touch-action: none)');
  await page.screenshot({ path: path.join(shots, '1-blank.png') });

  // A 7 with mouse moves: the top bar, then the stroke down to the left.
  const at = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  const predictions = [];
  page.on('response', (r) => { if (r.url().endsWith('/api/predict')) predictions.push(r); });
  await page.mouse.move(...at(0.25, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.22), { steps: 12 });
  await page.mouse.move(...at(0.42, 0.85), { steps: 16 });
  await page.mouse.up();
  await page.waitForFunction(() => document.getElementById('answer').textContent === '7', null, { timeout: 10000 })
    .catch(async () => { throw new Error(`the drawn 7 reads '${await answer()}'`); });
  await settle();
  check(predictions.length >= 2, `the answer should follow the drawing live: ${predictions.length} predictions`);
  const input = await page.evaluate(() => {
    const d = document.getElementById('input28').getContext('2d').getImageData(0, 0, 28, 28).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) ink += d[i];
    return ink / 255;
  });
  check(input > 20, `the 28x28 input should show the 7 (ink ${input})`);
  check(await page.locator('#bars .bar').count() === 10, 'ten output bars');
  check(await page.locator('#hidden-layers .layer-grid span').count() === 100, 'the hidden layer: 100 neurons');
  await page.screenshot({ path: path.join(shots, '2-seven.png'), fullPage: true });

  // The CNN beside it: its feature maps for the same drawing, and its filters.
  await page.selectOption('#model', 'cnn');
  await page.waitForFunction(() => !document.getElementById('maps-figure').hidden, null, { timeout: 10000 });
  await page.waitForFunction(() => !document.getElementById('weights-figure').hidden, null, { timeout: 10000 });
  check(await page.locator('#hidden-layers .layer-grid').count() === 0, 'the CNN has no hidden dense layer before its output');
  await settle();
  await page.screenshot({ path: path.join(shots, '2-seven-cnn.png'), fullPage: true });
  await page.selectOption('#model', 'mlp');
  await page.waitForFunction(() => document.getElementById('maps-figure').hidden);

  // Undo takes the stroke back; a speck alone is no digit.
  await page.click('#undo');
  await page.waitForFunction(() => document.getElementById('answer').textContent === 'draw a digit');
  await page.mouse.click(...at(0.5, 0.5));
  await settle();
  check((await answer()) === 'draw a digit', `a speck reads '${await answer()}'`);
  await page.keyboard.press('Escape');  // the canvas has the focus after the click: Escape clears
  await settle();
  await page.screenshot({ path: path.join(shots, '3-cleared.png') });

  // An uploaded picture: the page and `digitnet predict` give the same input and answer.
  const png = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 160; c.height = 120;
    const g = c.getContext('2d');
    g.fillStyle = '#f4f1ea'; g.fillRect(0, 0, 160, 120);
    g.strokeStyle = '#222'; g.lineWidth = 9; g.lineCap = 'round';
    g.beginPath(); g.moveTo(50, 20); g.lineTo(105, 20); g.lineTo(70, 100); g.stroke();
    return c.toDataURL('image/png').split(',')[1];
  });
  const photo = path.join(out, 'photo-seven.png');
  fs.writeFileSync(photo, Buffer.from(png, 'base64'));
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/predict'));
  await page.setInputFiles('#photo', photo);
  const fromPage = await (await uploaded).json();
  await settle();
  const saved = path.join(out, 'photo-seven-input.png');
  const cli = JSON.parse(execFileSync(digitnet, ['predict', mlp, photo, '--json', '--save-input', saved]).toString());
  check(fromPage.digit === cli.digit, `page ${fromPage.digit}, predict ${cli.digit}`);
  cli.outputs.forEach((v, j) => check(Math.abs(v - fromPage.outputs[j]) < 1e-5, `output ${j}: page ${fromPage.outputs[j]}, predict ${v}`));
  const savedPixels = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    c.getContext('2d').drawImage(img, 0, 0);
    const d = c.getContext('2d').getImageData(0, 0, img.width, img.height).data;
    const scale = img.width / 28;
    return Array.from({ length: 784 }, (_, i) => d[4 * ((Math.floor(i / 28) * scale) * img.width + (i % 28) * scale)]);
  }, fs.readFileSync(saved).toString('base64'));
  const shown = await page.evaluate(() => Array.from(
    document.getElementById('input28').getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, k) => k % 4 === 0)));
  savedPixels.forEach((v, i) => check(Math.abs(v - shown[i]) <= 1, `input pixel ${i}: page ${shown[i]}, predict ${v}`));
  await page.screenshot({ path: path.join(shots, '4-photo.png'), fullPage: true });

  // The model card: architecture, parameters, test accuracy, the curves of the metrics file.
  await page.click('#tab-card');
  await page.waitForFunction(() => document.getElementById('card').textContent.includes('79,510'));
  const card = await page.locator('#card').textContent();
  check(/test accuracy\d+\.\d+%/.test(card), `the card should show the test accuracy: ${card}`);
  check(await page.locator('#curves-none').isHidden(), 'the metrics file gives curves');
  await page.screenshot({ path: path.join(shots, '5-card.png'), fullPage: true });

  // Watch it learn: a two-epoch run streams both epochs; a second start is refused meanwhile.
  await page.keyboard.press('ArrowRight');  // the tabs move with the arrow keys
  check(await page.locator('#view-learn').isVisible(), 'ArrowRight moves to the training tab');
  await page.fill('#epochs', '2');
  await page.fill('#examples', '20000');
  await page.click('#start');
  const refused = await page.evaluate(() => fetch('/api/train', { method: 'POST', body: '{"epochs":1}' })
    .then((r) => r.status));
  check(refused === 409 || refused === 202, `a second run while one goes: ${refused}`);
  await page.waitForFunction(() => document.querySelectorAll('#epochs-table tbody tr').length >= 2, null, { timeout: 60000 });
  await page.waitForFunction(() => document.getElementById('train-message').textContent.includes('finished'), null,
                             { timeout: 60000 });
  check(await page.locator('#epochs-table tbody tr').count() === 2, 'exactly the two epochs arrive');
  check(await page.locator('#model').inputValue() === 'session-1', 'the page draws against the model being trained');
  await page.screenshot({ path: path.join(shots, '6-trained.png'), fullPage: true });
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('saved').textContent.startsWith('saved as'));
  const file = (await page.locator('#saved').textContent()).replace('saved as ', '');
  check(fs.existsSync(path.join(out, file)), `${file} should be in the save folder`);
  fs.rmSync(path.join(out, file));

  // A phone-sized screen: no sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('#tab-draw');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the page is ${overflow}px wider than a phone's screen`);
  await page.screenshot({ path: path.join(shots, '7-phone.png'), fullPage: true });
  check(problems.length === 0, `the page reported errors: ${problems.join('; ')}`);
  console.log(`page test passed; screenshots in ${shots}`);
} catch (e) {
  failed = true;
  console.error(e.message);
  console.error(server.output());
} finally {
  await browser.close();
  const code = await server.stop();
  if (code !== 0) { console.error(`serve exited with ${code} after SIGTERM`); failed = true; }
}
process.exit(failed ? 1 : 0);
