// likeness admin UI: the little behaviour htmx does not give. Loaded as a file (no inline
// script anywhere: the CSP is script-src 'self'); every form also works without it.
(() => {
  'use strict';
  const MAX_BYTES = 10 * 1024 * 1024;
  const MIN_SIDE = 512;
  const TYPES = ['image/jpeg', 'image/png'];
  let previewUrl = null;

  // Reference photo: instant checks before anything is sent, each with its own message.
  async function checkPhoto(input) {
    const file = input.files && input.files[0];
    if (!file) return null;
    if (!TYPES.includes(file.type)) {
      return `The file is ${file.type || 'of an unknown type'}; send a JPEG or PNG photo.`;
    }
    if (file.size > MAX_BYTES) {
      const mb = (file.size / 1024 / 1024).toFixed(1);
      return `The photo is ${mb} MB; it must be at most 10 MB.`;
    }
    try {
      const bitmap = await createImageBitmap(file);
      const { width, height } = bitmap;
      bitmap.close();
      if (width < MIN_SIDE || height < MIN_SIDE) {
        return `The photo is ${width}×${height}; it must be at least ${MIN_SIDE}×${MIN_SIDE}.`;
      }
    } catch (_) {
      return 'The photo cannot be read as an image; send a JPEG or PNG photo.';
    }
    return null;
  }

  function showPhotoError(form, message) {
    const input = form.querySelector('input[type=file]');
    const out = form.querySelector('#photo-error');
    const button = form.querySelector('button[type=submit]');
    if (message) {
      out.textContent = message;
      out.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      button.disabled = true;
    } else {
      out.textContent = '';
      out.hidden = true;
      input.removeAttribute('aria-invalid');
      button.disabled = false;
    }
  }

  async function onPhotoChosen(input) {
    const form = input.closest('form[data-upload]');
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = input.files && input.files[0] ? URL.createObjectURL(input.files[0]) : null;
    const message = await checkPhoto(input);
    form.dataset.valid = message ? 'false' : 'true';
    showPhotoError(form, message);
    if (message) input.focus();
  }

  document.addEventListener('change', (e) => {
    if (e.target.matches('form[data-upload] input[type=file]')) onPhotoChosen(e.target);
  });

  // Drag and drop onto the drop zone fills the file input.
  document.addEventListener('dragover', (e) => {
    const zone = e.target.closest && e.target.closest('[data-drop]');
    if (!zone) return;
    e.preventDefault();
    zone.classList.add('over');
  });
  document.addEventListener('dragleave', (e) => {
    const zone = e.target.closest && e.target.closest('[data-drop]');
    if (zone) zone.classList.remove('over');
  });
  document.addEventListener('drop', (e) => {
    const zone = e.target.closest && e.target.closest('[data-drop]');
    if (!zone) return;
    e.preventDefault();
    zone.classList.remove('over');
    const input = zone.querySelector('input[type=file]');
    input.files = e.dataTransfer.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });

  // Capture phase: runs before htmx sees the submit, so a refused form sends nothing.
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (form.matches('form[data-upload]') && form.dataset.valid === 'false') {
      e.preventDefault();
      e.stopImmediatePropagation();
      return;
    }
    const question = form.dataset.confirm;
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // The server's verdict on a refused photo marks the faces it found: draw them over the
  // photo the browser still has (nothing was stored).
  function fillPreviews(root) {
    if (!previewUrl) return;
    for (const image of root.querySelectorAll('image.local-preview')) {
      image.setAttribute('href', previewUrl);
    }
  }

  // Live updates can be paused (WCAG 2.2.2): messages that arrive meanwhile are dropped, and
  // the next one after resuming brings the whole state.
  const paused = new Set();
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('[data-pause-live]');
    if (!button) return;
    const id = button.dataset.pauseLive;
    const nowPaused = !paused.has(id);
    if (nowPaused) paused.add(id); else paused.delete(id);
    button.setAttribute('aria-pressed', String(nowPaused));
    button.textContent = nowPaused ? 'Resume live updates' : 'Pause live updates';
  });
  document.addEventListener('htmx:sse:before:message', (e) => {
    const live = e.target.closest && e.target.closest('[id]');
    if (live && paused.has(live.id)) e.preventDefault();
  });

  function start() {
    const result = document.getElementById('reference-result');
    if (result) {
      new MutationObserver(() => fillPreviews(result)).observe(result, { childList: true, subtree: true });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
