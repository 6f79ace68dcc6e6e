// wall_probe.mjs - drives the wall page (web/wall) in Debian's Chromium for
// tests/integration/test_wall.sh, through playwright-core (no browser
// download: executablePath /usr/bin/chromium).
//
// The one idea: the shell script runs the scenario (it starts and stops
// every process, by PID) and asks this probe questions on its stdin, one
// command per line; each gets exactly one JSON line on stdout. So the
// probe holds no test logic and no process of the test's.
//
//   open URL                 load the page (a new one replaces the old)
//   wait MS JS-EXPRESSION     {"ok":true|false,"ms":N}: until the expression
//                            is truthy in the page, at most MS
//   eval JS-EXPRESSION       {"ok":true,"value":...}
//   shot FILE                a PNG of the page
//   quit                     close the browser and exit
//
// Usage: [CHROMIUM=PATH] node tests/wall/wall_probe.mjs [WIDTH HEIGHT]
//        (default /usr/bin/chromium, 1920 1080)
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const require = createRequire(fileURLToPath(new URL('../../web/', import.meta.url)));
const { chromium } = require('playwright-core');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const [width, height] = [Number(process.argv[2] || 1920), Number(process.argv[3] || 1080)];

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let browser;
try {
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], timeout: 30000 });
} catch (e) {
  say({ ok: false, error: `${executablePath}: ${e.message.split("\n")[0]}` });
  process.exit(2);
}
// Stopped by the test's cleanup (SIGTERM): the browser goes with the probe.
process.on('SIGTERM', () => { browser.close().finally(() => process.exit(143)); });
const context = await browser.newContext({ viewport: { width, height } });
let page = null;
const console_ = [];
say({ ok: true, ready: true });

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...rest] = line.split(' ');
  try {
    if (cmd === 'open') {
      if (page) await page.close();
      page = await context.newPage();
      page.on('console', (m) => console_.push(m.text()));
      page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
      await page.goto(rest[0], { timeout: 10000 });
      say({ ok: true });
    } else if (cmd === 'wait') {
      const t0 = Date.now();
      const ok = await page.waitForFunction(rest.slice(1).join(' '), null,
        { timeout: Number(rest[0]), polling: 50 }).then(() => true, () => false);
      say({ ok, ms: Date.now() - t0 });
    } else if (cmd === 'eval') {
      say({ ok: true, value: await page.evaluate(rest.join(' ')) });
    } else if (cmd === 'shot') {
      await page.screenshot({ path: rest[0] });
      say({ ok: true });
    } else if (cmd === 'console') {
      say({ ok: true, value: console_ });
    } else if (cmd === 'quit') {
      say({ ok: true });
      break;
    } else {
      say({ ok: false, error: `unknown command ${cmd}` });
    }
  } catch (e) {
    say({ ok: false, error: e.message.split('\n')[0] });
  }
}
await browser.close();
process.exit(0); // stdin may still be open: the script closes it only at its end
