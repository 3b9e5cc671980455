// SPDX-License-Identifier: MIT
// check_report.js - loads socks4-test's HTML report in Debian's chromium and
// reports what a person would see, as one JSON object on stdout; the asserts
// are in tests/integration/test_report_html.py.
//
//   node check_report.js REPORT.html SCREENSHOT_DIR
//
// Uses only the page's own controls (typing, selecting, clicking, keys), at
// 1280x900, with no network: every request other than the file itself is
// counted and aborted.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const [report, shots] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

async function visibleIds(page) {
  return page.$$eval('.case', (cs) => cs.filter((c) => c.offsetParent !== null).map((c) => c.id));
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 's4kit-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`],
  });
  const out = { console: [], pageErrors: [], requests: [] };
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') out.console.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => out.pageErrors.push(String(e)));
    await page.setRequestInterception(true);
    const url = 'file://' + path.resolve(report);
    page.on('request', (r) => {
      if (r.url().split('#')[0] === url) return r.continue();
      out.requests.push(r.url());
      return r.abort();
    });
    await page.goto(url, { waitUntil: 'load' });

    out.total = await page.$$eval('.case', (cs) => cs.length);
    out.visible = (await visibleIds(page)).length;
    out.shownText = await page.$eval('#shown', (e) => e.textContent);
    out.openAtStart = await page.$$eval('.case[open]', (cs) => cs.map((c) => c.id));
    const width = () => page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
    }));
    out.width = await width();
    // every details open: the widest the page gets (long traces, INFO texts)
    await page.$$eval('details', (ds) => ds.forEach((d) => { d.open = true; }));
    out.widthAllOpen = await width();
    await page.screenshot({ path: path.join(shots, 'report-light.png'), fullPage: false });
    await page.$$eval('details', (ds) => ds.forEach((d) => { d.open = false; }));

    // the matrix: every cell links to a case block
    out.matrixLinks = await page.$$eval('.matrix a', (as) => as.map((a) => {
      const id = decodeURIComponent(a.getAttribute('href').slice(1));
      const el = document.getElementById(id);
      return { href: a.getAttribute('href'), ok: !!el && el.classList.contains('case') };
    }));
    out.matrixRows = await page.$$eval('.matrix tbody tr', (rs) => rs.length);

    // "/" focuses the search box; typing filters on ids and titles
    await page.keyboard.press('/');
    out.searchFocused = await page.evaluate(() => document.activeElement.id === 'q');
    await page.keyboard.type('vn/granted');
    out.afterSearch = await visibleIds(page);
    out.matrixAfterSearch = await page.$$eval('.matrix tbody tr',
      (rs) => rs.filter((r) => !r.hidden).map((r) => r.dataset.id));
    await page.keyboard.press('Escape');
    await page.keyboard.type('destination accepts');
    out.afterTitleSearch = await visibleIds(page);
    await page.click('#reset');

    // the result filter: failed only
    await page.select('#show', 'fail');
    out.failedOnly = await visibleIds(page);
    await page.select('#show', 'new');
    out.newOnly = await visibleIds(page);
    await page.select('#show', '');
    await page.select('#level', 'SHOULD');
    out.shouldOnly = await page.$$eval('.case', (cs) => cs.filter((c) => c.offsetParent !== null)
      .map((c) => c.dataset.level));
    await page.select('#level', '');
    await page.select('#area', 'bind');
    out.bindOnly = await visibleIds(page);
    out.noneShownWhenEmpty = await page.$eval('#none', (e) => e.hidden);

    // a matrix link to a case the filter hides: the case is shown and opened
    const target = out.failedOnly[0];
    if (target) {
      await page.select('#area', 'robust');
      await page.evaluate((id) => { location.hash = '#' + encodeURIComponent(id); }, target);
      await page.waitForFunction((id) => {
        const c = document.getElementById(id);
        return c && c.offsetParent !== null && c.open;
      }, { timeout: 5000 }, target);
      out.revealed = target;
    }
    await page.click('#reset');

    // keyboard: Tab reaches a case summary, Enter toggles it
    await page.focus('.case:not([open]) > summary');
    const toggled = await page.evaluate(() => document.activeElement.parentElement.id);
    await page.keyboard.press('Enter');
    out.keyboardToggle = await page.$eval(`[id="${toggled}"]`, (c) => c.open);

    // print: every case opens
    await page.emulateMediaType('print');
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    out.printAllOpen = await page.$$eval('details', (ds) => ds.every((d) => d.open));
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    await page.emulateMediaType(null);

    // colours follow prefers-color-scheme
    const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    out.lightBg = await bg();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    out.darkBg = await bg();
    out.darkFg = await page.evaluate(() => getComputedStyle(document.body).color);
    await page.select('#show', 'fail');
    await page.screenshot({ path: path.join(shots, 'report-dark.png'), fullPage: false });
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
