// The preview shell. Every text that comes from the issue goes in with textContent, never as HTML.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const state = {
    version: -1,     // last /status.json version shown
    build: -1,       // last good build shown in the frame
    as: null,        // '' = fallbacks, else a subscriber's email; null until the first status
    loadedAs: null,  // whom the frame currently shows
    lang: null,      // the edition asked for: '' = the person's (or the preview's first); null until the first status
    loadedLang: null, // the edition asked for when the frame was loaded
    shownLang: null, // the edition the frame shows (the server says: Content-Language)
    status: null,    // the last /status.json
    mode: 'desktop',
    frameReady: false,
    revision: null,  // the issue file's content the page shows; a write names it (a stale page is refused)
    reading: [],     // the items in reading order (featured first): data-item="N" in the email is reading[N - 1]
    compose: false,  // false in --read-only mode: no actions at all
  };
  const token = (document.querySelector('meta[name="bulletin-token"]') || {}).content || '';
  let busy = false;
  let again = false;

  function el(tag, text, className, doc) {
    const node = (doc || document).createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function kb(bytes) {
    return (bytes / 1024).toFixed(1) + ' KB';
  }

  function emailUrl(ext) {
    return '/email.' + ext + '?as=' + encodeURIComponent(state.as || '') + '&lang=' + encodeURIComponent(state.lang || '');
  }

  async function fetchText(url) {
    const response = await fetch(url, { cache: 'no-store' });
    const text = await response.text();
    return { ok: response.ok, text, lang: response.headers.get('Content-Language') };
  }

  // ---- compose actions: each one a small edit of the issue file, done by the server ----------

  function actionButton(label, action, fields, title, doc) {
    // a real button whose accessible name says what it does to which item: "Exclude: Congress 2021"
    const button = el('button', label, undefined, doc);
    button.type = 'button';
    if (title !== undefined) button.setAttribute('aria-label', label + ': ' + title);
    button.dataset.key = action + '\u0000' + (fields.item || fields.section || '');
    button.addEventListener('click', () => act(Object.assign({ action }, fields)));
    return button;
  }

  function itemActions(item, where, doc) {
    const acts = el('div', null, 'acts', doc);
    const add = (label, action) => acts.appendChild(actionButton(label, action, { item: item.name }, item.title, doc));
    if (where === 'featured') {
      acts.appendChild(actionButton('Unfeature', 'unfeature', {}, item.title, doc));
    } else if (where === 'section') {
      add('Feature', 'feature');
      add(item.pinned ? 'Unpin' : 'Pin', item.pinned ? 'unpin' : 'pin');
      if (item.pinned) {
        add('Move up', 'up');
        add('Move down', 'down');
      }
    }
    if (where === 'left-out') {
      if (item.reason !== 'duplicate') add('Include', 'include');
      if (item.reason === 'draft') add('Publish', 'publish');  // takes draft: true out of the item's file
    } else {
      add('Exclude', 'exclude');
    }
    return acts;
  }

  function showStatus(text, refused) {
    const status = $('compose-status');
    status.textContent = text;
    status.className = 'compose-status' + (refused ? ' refused' : '');
  }

  async function act(request, errorBox) {
    request.base = state.revision;
    // a text is written in the language of the edition shown (a text per language keeps the others')
    if (['subject', 'preheader', 'intro', 'note'].includes(request.action) && shownEdition(state.status)) {
      request.lang = state.shownLang;
    }
    showStatus('Saving…', false);
    let reply;
    try {
      const response = await fetch('/compose', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Bulletin-Token': token },
        body: JSON.stringify(request),
        cache: 'no-store',
      });
      const type = response.headers.get('Content-Type') || '';
      reply = type.startsWith('application/json') ? await response.json() : { ok: false, error: await response.text() };
    } catch (error) {
      reply = { ok: false, error: 'The preview is not reachable: ' + error };
    }
    if (reply.ok) {
      showStatus(reply.message, false);
      if (errorBox) errorBox.hidden = true;
    } else {
      showStatus(reply.error, true);
      if (errorBox) {
        errorBox.textContent = reply.error;
        errorBox.hidden = false;
      }
    }
    await refresh();
    document.body.dataset.composed = String(Number(document.body.dataset.composed || 0) + 1);
    return reply.ok;
  }

  function noteForm(section, s) {
    const details = el('details', null, 'note-form');
    details.dataset.section = section.title;
    const summary = el('summary', section.note ? 'Note' : 'Add a note');
    summary.setAttribute('aria-label', (section.note ? 'Note: ' : 'Add a note: ') + section.title);
    details.appendChild(summary);
    const form = el('form', null, 'field');
    const id = 'note-' + section.anchor;
    const label = el('label', 'Note under ' + section.title + ' (Markdown)');
    label.htmlFor = id;
    const area = el('textarea');
    area.id = id;
    area.rows = 3;
    const edition = shownEdition(s);
    area.value = ((edition ? edition.notes : s.notes) || {})[section.title] || '';
    area.dataset.shown = area.value;
    area.dataset.key = 'note-text\u0000' + section.title;
    const save = el('button', 'Save note');
    save.type = 'submit';
    save.setAttribute('aria-label', 'Save note: ' + section.title);
    const error = el('p', null, 'field-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    form.append(label, area, save, error);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      act({ action: 'note', section: section.title, value: area.value }, error);
    });
    details.appendChild(form);
    return details;
  }

  function renderCompose(s) {
    $('compose').hidden = !state.compose;
    if (!state.compose || !s.issue) return;
    const undo = $('undo');
    undo.disabled = !s.undo;
    undo.setAttribute('aria-label', s.undo ? 'Undo: ' + s.undo : 'Undo (nothing to undo)');
    const edition = shownEdition(s) || s.issue;  // the texts of the edition shown: a save writes that language's
    const values = { subject: edition.subject, preheader: edition.preheader, intro: edition.intro };
    const name = shownEdition(s) ? ' (' + shownEdition(s).name + ')' : '';
    $('issue-fields').querySelector('summary').textContent = 'Subject, preheader and intro' + name;
    for (const [name, value] of Object.entries(values)) {
      const field = $('field-' + name);
      // a field the person is typing in keeps their text; others show the file's
      if (field.dataset.shown === undefined || field.value === field.dataset.shown) field.value = value;
      field.dataset.shown = value;
    }
  }

  // the same buttons on the email itself: an item's block (data-item="N", N its place in reading order,
  // set by the theme) shows them while the pointer is over it or the keyboard focus is in it
  const TOOLS_STYLE = {
    position: 'absolute', top: '2px', right: '2px', zIndex: '10', display: 'flex', gap: '3px', padding: '3px',
    background: '#ffffff', border: '1px solid #0969da', borderRadius: '6px', boxShadow: '0 2px 8px rgba(0,0,0,.2)',
  };
  const TOOL_BUTTON_STYLE = {
    font: '12px system-ui, sans-serif', padding: '2px 8px', border: '1px solid #d0d7de', borderRadius: '4px',
    background: '#f6f8fa', color: '#1f2328', cursor: 'pointer',
  };

  function showTools(doc, block) {
    const entry = state.reading[Number(block.dataset.item) - 1];
    if (!state.compose || !entry || block.querySelector('.bulletin-tools')) return;
    const tools = itemActions(entry.item, entry.where, doc);
    tools.className = 'bulletin-tools';
    tools.setAttribute('role', 'group');
    tools.setAttribute('aria-label', 'Compose: ' + entry.item.title);
    Object.assign(tools.style, TOOLS_STYLE);
    for (const button of tools.querySelectorAll('button')) Object.assign(button.style, TOOL_BUTTON_STYLE);
    block.style.position = 'relative';
    block.appendChild(tools);
  }

  function hideTools(block) {
    const tools = block.querySelector('.bulletin-tools');
    if (tools) tools.remove();
  }

  function hookEmail(doc) {
    for (const block of doc.querySelectorAll('[data-item]')) {
      block.addEventListener('mouseenter', () => showTools(doc, block));
      block.addEventListener('focusin', () => showTools(doc, block));
      block.addEventListener('mouseleave', () => { if (!block.contains(doc.activeElement)) hideTools(block); });
      block.addEventListener('focusout', (event) => { if (!block.contains(event.relatedTarget)) hideTools(block); });
    }
  }

  // ---- side panel and header -------------------------------------------------------------

  function itemList(items, where) {
    const list = el('ol');
    for (const item of items) {
      const li = el('li');
      li.appendChild(el('span', item.title, 'it-title'));
      li.title = item.date + (item.origin ? ' · ' + item.origin : '');
      li.dataset.item = item.name;
      if (item.pinned && where === 'section') li.appendChild(el('span', 'pinned', 'pinned'));
      if (state.compose) li.appendChild(itemActions(item, where));
      list.appendChild(li);
    }
    return list;
  }

  function renderPanel(s) {
    // the panel is drawn again at every change: keep the keyboard focus on the same control
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : undefined;
    const open = [...document.querySelectorAll('.note-form[open]')].map((d) => d.dataset.section);
    // a note being typed survives a redraw (another file saved meanwhile)
    const typing = [...document.querySelectorAll('.note-form textarea')].filter((a) => a.value !== a.dataset.shown);
    drawPanel(s, open);
    for (const old of typing) {
      const area = [...document.querySelectorAll('.note-form textarea')].find((a) => a.dataset.key === old.dataset.key);
      if (area) area.value = old.value;
    }
    if (focused) {
      const again = [...document.querySelectorAll('.panel [data-key]')].find((b) => b.dataset.key === focused);
      if (again) again.focus();
      else if (document.activeElement === document.body && state.compose) $('compose-status').focus();
    }
  }

  function drawPanel(s, open) {
    const sections = $('sections');
    clear(sections);
    if (!s.issue) {
      $('item-count').textContent = '';
      return;
    }
    $('item-count').textContent = '(' + s.item_count + ' items)';
    if (s.featured) {
      const li = el('li');
      li.appendChild(el('b', 'Featured'));
      li.appendChild(el('span', ' (1)', 'muted'));
      li.appendChild(itemList([s.featured], 'featured'));
      sections.appendChild(li);
    }
    for (const section of s.sections) {
      const li = el('li');
      li.appendChild(el('b', section.title));
      li.appendChild(el('span', ' (' + section.items.length + ')', 'muted'));
      if (state.compose) {
        const note = noteForm(section, s);
        note.open = open.includes(section.title);
        li.appendChild(note);
      }
      li.appendChild(itemList(section.items, 'section'));
      sections.appendChild(li);
    }

    const counts = Object.entries(s.left_out_counts || {});
    $('left-out-count').textContent = '(' + s.left_out.length + ')';
    $('left-out-summary').textContent = counts.length
      ? counts.map(([reason, n]) => n + ' ' + reason).join(', ')
      : 'Nothing was left out.';
    $('left-out-details').hidden = s.left_out.length === 0;
    const leftOut = $('left-out');
    clear(leftOut);
    for (const item of s.left_out) {
      const li = el('li', item.title + ' ');
      li.dataset.item = item.name;
      li.appendChild(el('span', item.reason, 'reason'));
      li.appendChild(el('div', item.date + ' · ' + item.origin, 'muted'));
      if (state.compose) li.appendChild(itemActions(item, 'left-out'));
      leftOut.appendChild(li);
    }

    const edition = shownEdition(s);
    const sizes = edition ? edition.sizes : s.sizes;
    const bar = $('size-bar');
    bar.style.width = Math.min(100, (100 * sizes.html_bytes) / sizes.gmail_clip_bytes).toFixed(1) + '%';
    bar.className = 'bar-fill' + (sizes.html_bytes > sizes.gmail_clip_bytes ? ' over' : sizes.html_bytes > sizes.warn_bytes ? ' warn' : '');
    $('size-text').textContent = 'HTML ' + kb(sizes.html_bytes) + ' of the ' + kb(sizes.gmail_clip_bytes) +
      ' Gmail shows before clipping' + (sizes.html_bytes > sizes.gmail_clip_bytes ? ': Gmail WILL clip this message.' : '.') +
      ' Plain text ' + kb(sizes.text_bytes) + '.';

    const warnings = $('warnings');
    clear(warnings);
    $('warning-count').textContent = '(' + s.warnings.length + ')';
    if (!s.warnings.length) warnings.appendChild(el('li', 'None.', 'muted'));
    for (const warning of s.warnings) warnings.appendChild(el('li', warning));
  }

  function renderHeader(s) {
    if (!s.issue) return;
    const name = s.sender.name || s.sender.email;
    $('from-name').textContent = name;
    $('from-email').textContent = '<' + s.sender.email + '>';
    $('avatar').textContent = name.trim().charAt(0).toUpperCase();
    const edition = shownEdition(s) || s.issue;
    $('subject').textContent = edition.subject;
    $('preheader').textContent = edition.preheader;
    document.title = 'Preview · ' + edition.subject;
  }

  // ---- language editions: one button per language, like the view switches ---------------

  function shownEdition(s) {
    return ((s && s.editions) || []).find((e) => e.lang === state.shownLang) || null;
  }

  function renderLangs(s) {
    const box = $('langs');
    const editions = s.editions || [];
    box.hidden = editions.length === 0;
    const key = editions.map((e) => e.lang).join(' ');
    if (box.dataset.key !== key) {  // drawn again only when the languages change: the focus stays put
      clear(box);
      for (const edition of editions) {
        const button = el('button', edition.name);
        button.type = 'button';
        button.lang = edition.lang;
        button.dataset.lang = edition.lang;
        button.addEventListener('click', () => {
          state.lang = edition.lang;
          refresh();
        });
        box.appendChild(button);
      }
      box.dataset.key = key;
    }
    for (const button of box.querySelectorAll('button')) {
      const edition = editions.find((e) => e.lang === button.dataset.lang);
      button.setAttribute('aria-pressed', String(button.dataset.lang === state.shownLang));
      button.title = edition.lang + ': ' + edition.subject +
        (edition.untranslated ? ' · ' + edition.untranslated + ' texts shown in ' + editions[0].name : '');
    }
    document.body.dataset.lang = state.shownLang || '';
  }

  function renderNote(s) {
    const fields = Object.entries((s && s.merge_fields) || {});
    const who = state.as ? state.as : '(nobody — fallbacks)';
    const filled = fields.length ? ' · fields: ' + fields.map(([k, v]) => k + ' → “' + v + '” if empty').join(', ') : '';
    $('as-note').textContent = 'Personalised for: ' + who + (state.as ? '' : filled);
  }

  function showError(title, help, message) {
    $('overlay-title').textContent = title;
    $('overlay-help').textContent = help;
    $('error').textContent = message;
    $('overlay').hidden = false;
    document.body.dataset.error = 'yes';
  }

  function hideError() {
    $('overlay').hidden = true;
    document.body.dataset.error = 'no';
  }

  function renderError(s) {
    if (s.ok) return hideError();
    const internal = s.error_kind === 'internal';
    const title = internal ? 'Internal error while building (a bug in bulletin)' : 'This version has an error';
    const help = s.issue
      ? 'You are looking at the last version that worked. Fix the error and save: the preview updates by itself.'
      : 'Nothing could be built yet. Fix the error and save: the preview updates by itself.';
    showError(title, help, s.error);
  }

  // ---- the email -------------------------------------------------------------------------

  function openLinksOutside(doc) {
    // a click on a link in the email must not navigate the preview frame away from the email
    doc.addEventListener('click', (event) => {
      const link = event.target.closest ? event.target.closest('a[href]') : null;
      if (!link) return;
      event.preventDefault();
      window.open(link.href, '_blank', 'noopener');
    });
  }

  function swapFrame(html) {
    const frame = $('email');
    const win = frame.contentWindow;
    const doc = frame.contentDocument;
    const x = win.scrollX;
    const y = win.scrollY;
    // rewriting the same document keeps the frame (no flash) and its own origin and policy
    doc.open();
    doc.write(html);
    doc.close();
    openLinksOutside(doc);
    hookEmail(doc);
    win.scrollTo(x, y);
    // images may arrive later and change heights: restore once more when they have
    win.addEventListener('load', () => win.scrollTo(x, y), { once: true });
  }

  function firstLoad(url) {
    return new Promise((resolve) => {
      const frame = $('email');
      frame.addEventListener('load', () => {
        state.frameReady = true;
        openLinksOutside(frame.contentDocument);
        hookEmail(frame.contentDocument);
        resolve();
      }, { once: true });
      frame.src = url;
    });
  }

  async function loadEmail() {
    const [html, text] = await Promise.all([fetchText(emailUrl('html')), fetchText(emailUrl('txt'))]);
    if (!html.ok) {
      showError('Cannot personalise', 'Pick another subscriber, or nobody.', html.text);
      return false;
    }
    if (state.frameReady) swapFrame(html.text);
    else await firstLoad(emailUrl('html'));
    $('text').textContent = text.text;
    state.loadedAs = state.as;
    state.loadedLang = state.lang;
    state.shownLang = html.lang;
    return true;
  }

  // ---- refresh loop ----------------------------------------------------------------------

  async function refreshOnce() {
    const response = await fetch('/status.json', { cache: 'no-store' });
    const s = await response.json();
    if (state.as === null) {
      state.as = s.as_default || '';
      state.lang = s.lang_default || '';  // --lang, else the --as person's edition, else the default
      await loadPicker();
    }
    state.status = s;
    state.revision = s.revision;
    state.compose = Boolean(s.compose && token);
    state.reading = (s.featured ? [{ item: s.featured, where: 'featured' }] : []).concat(
      ...(s.sections || []).map((section) => section.items.map((item) => ({ item, where: 'section' }))));
    renderHeader(s);
    renderCompose(s);
    renderPanel(s);
    renderNote(s);
    let shown = true;
    if (s.issue && (s.build !== state.build || state.as !== state.loadedAs || state.lang !== state.loadedLang)) {
      const before = state.shownLang;
      shown = await loadEmail();
      if (shown) state.build = s.build;
      if (state.shownLang !== before) {  // another edition: its texts in the compose fields and the size
        renderCompose(s);
        renderPanel(s);
      }
    }
    renderLangs(s);
    renderHeader(s);
    if (shown) renderError(s);
    state.version = s.version;
    document.body.dataset.version = String(s.version);
    document.body.dataset.build = String(state.build);
  }

  async function refresh() {
    // one refresh at a time; a change during a refresh triggers exactly one more
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        await refreshOnce();
      } while (again);
    } catch (error) {
      $('conn').textContent = 'preview stopped? ' + error;
      $('conn').className = 'conn';
    } finally {
      busy = false;
    }
  }

  async function loadPicker() {
    const select = $('as');
    try {
      const response = await fetch('/subscribers.json', { cache: 'no-store' });
      const data = await response.json();
      for (const email of data.emails) select.appendChild(el('option', email));
      if (state.as && !data.emails.includes(state.as)) select.appendChild(el('option', state.as));
      select.title = data.error || (data.file + ': ' + data.total + ' rows' + (data.total > data.emails.length ? ', first ' + data.emails.length + ' listed' : ''));
      if (data.error) select.appendChild(el('option', '(' + data.error + ')')).disabled = true;
    } catch (error) {
      select.title = String(error);
    }
    select.value = state.as || '';
  }

  function setMode(mode) {
    state.mode = mode;
    $('stage').dataset.mode = mode;
    $('text').hidden = mode !== 'text';
    for (const button of document.querySelectorAll('.modes button')) {
      button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    }
  }

  function listen() {
    const conn = $('conn');
    const source = new EventSource('/events');
    source.addEventListener('open', () => { conn.textContent = 'live'; conn.className = 'conn live'; });
    source.addEventListener('error', () => { conn.textContent = 'reconnecting…'; conn.className = 'conn'; });
    source.addEventListener('version', (event) => {
      const { version } = JSON.parse(event.data);
      if (version !== state.version) refresh();
    });
    // a safety net when the event stream is down (a proxy, a sleeping laptop): poll instead
    setInterval(() => { if (source.readyState !== EventSource.OPEN) refresh(); }, 2000);
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const button of document.querySelectorAll('.modes button')) {
      button.addEventListener('click', () => setMode(button.dataset.mode));
    }
    $('as').addEventListener('change', (event) => {
      state.as = event.target.value;
      state.lang = '';  // as that person sees it: their edition
      refresh();
    });
    $('undo').addEventListener('click', () => act({ action: 'undo' }));
    for (const form of document.querySelectorAll('form.field[data-action]')) {
      const field = form.querySelector('[name="value"]');
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        // unchanged: nothing to write (a subject shown from the title must not be written out as one)
        if (field.value === field.dataset.shown) return showStatus('No change.', false);
        act({ action: form.dataset.action, value: field.value }, form.querySelector('.field-error'));
      });
    }
    refresh().then(listen);
  });
})();
