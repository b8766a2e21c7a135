// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (no browser download), for the
// end-to-end tests (firefox.test.mjs) and the benchmark (firefox-bench.mjs). FIREFOX names the
// browser; BASE_URL the server.

import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE_URL = process.env.BASE_URL || 'http://localhost:8080/';
// WebGPU is off by default in Firefox ESR on Linux, and its blocklist refuses a software adapter.
const PREFS = { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true };

/** Starts Firefox headless; resolves to {browser, close}. */
export async function launchFirefox() {
  // Firefox writes under $HOME even with puppeteer's own profile: a writable one of its own.
  const profileHome = mkdtempSync(join(tmpdir(), 'w1w2-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: PREFS,
    env: { ...process.env, HOME: profileHome, MOZ_HEADLESS: '1' },
    // A page.evaluate of a long step waits on the page: the callers' own timeouts bound it.
    protocolTimeout: 900_000,
  });
  const close = async () => {
    await browser.close();
    rmSync(profileHome, { recursive: true, force: true });
  };
  return { browser, close };
}

/**
 * Opens the page at `hash` in `browser`, collecting console errors and uncaught exceptions;
 * resolves once the first snapshot drew. `instrument` loads the worker's GPU counters and
 * device-loss hook.
 */
export async function open(browser, hash = '', { instrument = false } = {}) {
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  await page.setViewport({ width: 1280, height: 1400 });
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE_URL}${instrument ? '?instrument' : ''}${hash ? `#${hash}` : ''}`);
  await page.waitForFunction(() => window.w1w2 && window.w1w2.snapshot() !== null, { timeout: 120_000, polling: 200 });
  return { page, errors };
}

export const text = (page, id) => page.$eval(`[data-testid="${id}"]`, (e) => e.innerText);

/** Why Firefox gives this page no WebGPU adapter, or null when it gives one. */
export const noAdapter = (page) => page.evaluate(async () => {
  if (!navigator.gpu) return 'Firefox exposes no navigator.gpu';
  try {
    return (await navigator.gpu.requestAdapter()) ? null : 'navigator.gpu.requestAdapter() gave null';
  } catch (error) {
    return `navigator.gpu.requestAdapter() failed: ${error.message}`;
  }
});

export const onWebGpu = async (page, errors) => {
  if (await text(page, 'backend') === 'webgpu') return null;
  const reason = await page.$eval('#backend-reason', (e) => e.innerText);
  const said = errors.map((e) => e.split('\n\nStack:')[0].replace(/\n/g, ' ')).join(' | ') || 'none';
  return `the backend readout says ${await text(page, 'backend')} (${reason}); the page's errors: ${said}`;
};
