// What every spec shares: the LIKENESS_UI_* settings from scripts/test-browser, sign-in, and a
// page fixture that fails the test when the page
//   - requests anything from a host other than 127.0.0.1 (no CDN, no fonts, no telemetry),
//   - logs a console error or an uncaught exception, or
//   - violates its Content Security Policy (console messages, and securitypolicyviolation
//     events reported by an init script).
// A test that expects an error status (a refused sign-in answered 401, say) lists the console
// messages it allows with `test.use({ allowConsole: [/status of 401/] })`.
// Dialogs (confirm() before a bulk action) are accepted and noted on the test.
import { test as base, expect } from '@playwright/test';

function setting(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the browser tests with scripts/test-browser`);
  }
  return value;
}

export const env = {
  get url() {
    return setting('LIKENESS_UI_URL');
  },
  get adminToken() {
    return setting('LIKENESS_UI_ADMIN_TOKEN');
  },
  get viewerToken() {
    return setting('LIKENESS_UI_VIEWER_TOKEN');
  },
  get photoOne() {
    return setting('LIKENESS_UI_PHOTO_ONE');
  },
  get photoGroup() {
    return setting('LIKENESS_UI_PHOTO_GROUP');
  },
  get subject() {
    return setting('LIKENESS_UI_SUBJECT');
  },
  get search() {
    return setting('LIKENESS_UI_SEARCH');
  },
  get uploadSubject() {
    return setting('LIKENESS_UI_UPLOAD_SUBJECT');
  },
  get failedSubject() {
    return setting('LIKENESS_UI_FAILED_SUBJECT');
  },
  /** a run with one failed job, which the runs spec retries */
  get failedRun() {
    return setting('LIKENESS_UI_FAILED_RUN');
  },
  /** a run with one failed job that stays failed */
  get keptRun() {
    return setting('LIKENESS_UI_KEPT_RUN');
  },
  get keptSubject() {
    return setting('LIKENESS_UI_KEPT_SUBJECT');
  },
  /** a run whose one job waits in the queue, held by the run's budget */
  get heldRun() {
    return setting('LIKENESS_UI_HELD_RUN');
  },
};

const CSP_EVENT = '[securitypolicyviolation]';

export const test = base.extend({
  allowConsole: [[], { option: true }],

  page: async ({ page, allowConsole }, use, testInfo) => {
    const problems = [];
    const allowed = (text) => allowConsole.some((re) => re.test(text));

    page.on('request', (request) => {
      let url;
      try {
        url = new URL(request.url());
      } catch {
        return;
      }
      if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return; // data:, blob:
      if (url.hostname !== '127.0.0.1') problems.push(`request to another host: ${request.url()}`);
    });
    page.on('websocket', (ws) => {
      if (new URL(ws.url()).hostname !== '127.0.0.1') problems.push(`websocket to another host: ${ws.url()}`);
    });
    page.on('console', (message) => {
      const text = message.text();
      const where = message.location()?.url ? ` (${message.location().url})` : '';
      if (text.startsWith(CSP_EVENT) || text.includes('Content Security Policy')) {
        problems.push(`CSP violation: ${text}${where}`);
      } else if (message.type() === 'error' && !allowed(text)) {
        problems.push(`console error: ${text}${where}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
    page.on('dialog', async (dialog) => {
      testInfo.annotations.push({ type: 'dialog', description: `${dialog.type()}: ${dialog.message()}` });
      await dialog.accept();
    });
    // Reported to the console in a form the listener above recognises; runs in every frame
    // before the page's own scripts (init scripts are not subject to the page's CSP).
    await page.addInitScript((tag) => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.warn(`${tag} ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
      });
    }, CSP_EVENT);

    await use(page);

    expect(problems, 'no request off 127.0.0.1, no console error, no CSP violation').toEqual([]);
  },
});

export { expect };

/** Signs in through the login form as `role` ('admin' or 'viewer'); ends on the gallery. */
export async function signIn(page, role = 'admin') {
  const token = role === 'viewer' ? env.viewerToken : env.adminToken;
  await page.goto('/ui/login');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/ui/');
}

/** Waits until every `img` that `locator` matches has loaded and decoded (naturalWidth > 0),
 *  scrolling each into view first so lazy images load. Returns how many there were. */
export async function expectImagesDecoded(locator) {
  const count = await locator.count();
  for (let i = 0; i < count; i++) {
    const img = locator.nth(i);
    await img.scrollIntoViewIfNeeded();
    await expect
      .poll(() => img.evaluate((e) => (e.complete ? e.naturalWidth : 0)), {
        message: `image ${i + 1} of ${count} decoded (${await img.getAttribute('src')})`,
        timeout: 15_000,
      })
      .toBeGreaterThan(0);
  }
  return count;
}

/** The CSRF token the page carries: a hidden `_csrf` field or `<meta name=csrf-token>`. */
export async function csrfToken(page) {
  const field = page.locator('input[name=_csrf]').first();
  if (await field.count()) return field.inputValue();
  const meta = page.locator('meta[name=csrf-token]');
  if (await meta.count()) return meta.getAttribute('content');
  throw new Error('the page carries no CSRF token (input[name=_csrf] or meta[name=csrf-token])');
}

/** A count shown in `container` next to the word `label` (e.g. "3 failed", "Failed: 3", or a
 *  <dt>Failed</dt><dd>3</dd> pair); null when there is none. */
export async function countIn(container, label) {
  return container.evaluate((root, label) => {
    const word = label.toLowerCase();
    const number = (s) => {
      const m = /-?\d[\d,]*/.exec(s);
      return m ? Number(m[0].replace(/,/g, '')) : null;
    };
    const marked = root.querySelector(`[data-count="${word}"]`);
    if (marked && number(marked.textContent) !== null) return number(marked.textContent);
    // a definition list or a table header row with the label
    for (const dt of root.querySelectorAll('dt, th')) {
      if (dt.textContent.trim().toLowerCase().startsWith(word)) {
        const dd = dt.tagName === 'DT' ? dt.nextElementSibling : null;
        if (dd && number(dd.textContent) !== null) return number(dd.textContent);
        if (dt.tagName === 'TH') {
          const row = dt.closest('tr');
          const next = row?.nextElementSibling?.children[[...row.children].indexOf(dt)];
          if (next && number(next.textContent) !== null) return number(next.textContent);
          const cell = dt.nextElementSibling;
          if (cell && number(cell.textContent) !== null) return number(cell.textContent);
        }
      }
    }
    // the smallest element whose text is just the number and the label
    const before = new RegExp(`^\\s*(\\d[\\d,]*)\\s*${word}\\b`, 'i');
    const after = new RegExp(`^\\s*${word}\\b\\W*?(\\d[\\d,]*)\\s*$`, 'i');
    let best = null;
    for (const el of [root, ...root.querySelectorAll('*')]) {
      const t = el.textContent.replace(/\s+/g, ' ').trim();
      if (t.length > 40) continue;
      const m = after.exec(t) || before.exec(t);
      if (m && (!best || best.len > t.length)) best = { len: t.length, n: Number(m[1].replace(/,/g, '')) };
    }
    return best ? best.n : null;
  }, label);
}
