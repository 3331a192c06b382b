// Playwright on Debian's chromium (never a downloaded browser), against the server that
// scripts/test-browser starts; it passes the URL, tokens and photos in LIKENESS_UI_* variables.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  testMatch: '*.spec.mjs',
  // The screenshots are documentation, not tests: only scripts/screenshots runs them.
  testIgnore: process.env.LIKENESS_UI_SCREENSHOTS ? [] : ['**/screenshots.spec.mjs'],
  outputDir: './test-results',
  // 2 cores, shared with the server: one browser at a time, and time to spare.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['./reporter.mjs']],
  use: {
    baseURL: process.env.LIKENESS_UI_URL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.LIKENESS_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
});
