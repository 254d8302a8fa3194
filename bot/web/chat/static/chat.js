/* Prescreen chat page.
 *
 * Talks to this server's /api/messages (which relays to Rasa), keeps the conversation id,
 * the transcript and any unsent messages in sessionStorage (survives a reload and a tab switch,
 * not shared with other tabs or browsers), and retries with backoff when the assistant cannot
 * be reached. Bot and patient text is only ever rendered with textContent.
 *
 * Two languages: the page starts in its own (?lang=, data-lang on the embed tag) and then follows
 * the conversation's, which the server computes from the assistant's replies ("lang" in each answer):
 * when the patient types Chinese on an English page or asks 说中文 / "English please", the page's
 * own words switch too. Every message carries its own `lang` for screen readers.
 */
(function () {
  'use strict';

  var doc = document;
  function byId(id) { return doc.getElementById(id); }

  var app = byId('app');
  var log = byId('log');
  var form = byId('composer');
  var input = byId('message');
  var countEl = byId('count');
  var errorEl = byId('error');
  var typingEl = byId('typing-inner');
  var offlineRegion = byId('offline');
  var statusEl = byId('status');
  var restartButton = byId('restart');
  var confirmBox = byId('confirm');
  var confirmText = byId('confirm-text');
  var confirmYes = byId('confirm-yes');
  var confirmNo = byId('confirm-no');
  var offlineTemplate = byId('offline-template');

  var ALL = {};   // {"en": {...}, "zh": {...}}: the page's own words in every language
  try { ALL = JSON.parse(byId('strings').textContent || '{}'); } catch (e) { ALL = {}; }
  // The default language is the server's (bot/languages.py), passed in with the page.
  var DEFAULT_LANG = doc.documentElement.getAttribute('data-default-lang');
  var PAGE_LANG = doc.documentElement.getAttribute('data-lang') || DEFAULT_LANG;
  if (!ALL[PAGE_LANG]) { PAGE_LANG = DEFAULT_LANG; }
  var S = ALL[PAGE_LANG] || {};

  var MAX = Number(app.getAttribute('data-max')) || 2000;
  var STORE_KEY = 'prescreen.chat.v1';
  var REQUEST_TIMEOUT_MS = 40000;   // the server gives Rasa 30 s
  var TYPING_DELAY_MS = 500;
  var MAX_BACKOFF_S = 30;
  var reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)');
  var coarsePointer = window.matchMedia && window.matchMedia('(pointer: coarse)');

  function fmt(template, values) {
    return String(template || '').replace(/\{(\w+)\}/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  /* ---- storage ------------------------------------------------------------------------- */

  var memoryStore = {};
  var storage = (function () {
    try {
      var s = window.sessionStorage;
      s.setItem('__prescreen_probe', '1');
      s.removeItem('__prescreen_probe');
      return s;
    } catch (e) {
      return null;   // storage blocked (e.g. privacy settings): keep the chat in memory only
    }
  })();

  function readStore() {
    try { return storage ? storage.getItem(STORE_KEY) : memoryStore[STORE_KEY]; } catch (e) { return null; }
  }

  function writeStore(raw) {
    try {
      if (storage) { storage.setItem(STORE_KEY, raw); return; }
    } catch (e) { /* fall through to memory */ }
    memoryStore[STORE_KEY] = raw;
  }

  function newConversationId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') {
      return c.randomUUID().replace(/-/g, '');
    }
    var bytes = new Uint8Array(16);
    c.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function freshState() {
    return { v: 1, sender: newConversationId(), seq: 0, items: [], queue: [], draft: '', lang: PAGE_LANG };
  }

  function loadState() {
    var raw = readStore();
    if (!raw) { return null; }
    try {
      var s = JSON.parse(raw);
      if (!s || s.v !== 1 || !/^[A-Za-z0-9_-]{8,64}$/.test(s.sender) ||
          !Array.isArray(s.items) || !Array.isArray(s.queue)) {
        return null;
      }
      s.seq = Number(s.seq) || 0;
      s.draft = typeof s.draft === 'string' ? s.draft : '';
      s.lang = ALL[s.lang] ? s.lang : PAGE_LANG;   // the conversation's language survives a reload
      return s;
    } catch (e) {
      return null;
    }
  }

  var state = loadState() || freshState();

  function save() { writeStore(JSON.stringify(state)); }

  function nextId() { state.seq += 1; return 'm' + state.seq; }

  /* ---- languages ----------------------------------------------------------------------- */

  function htmlLang(lang) { return (ALL[lang] && ALL[lang].html_lang) || lang; }

  // The language of what the patient typed, by the assistant's own rule (bot/reading/language.py,
  // looks_chinese): Han characters at least twice the Latin words, or four of them, is the language
  // written in Han characters; other Latin-letter text ("ok", "CAR-T") is the one written in Latin
  // letters; digits or emoji alone are in the conversation's language. Which language each script
  // is, and its letters, come with the page (bot/languages.py): {"han": {"lang": ..., "chars": ...}}.
  var SCRIPTS = {};
  try { SCRIPTS = JSON.parse(byId('scripts').textContent || '{}'); } catch (e) { SCRIPTS = {}; }
  function letters(script, suffix, flags) {
    var known = SCRIPTS[script] && ALL[SCRIPTS[script].lang];
    return known ? new RegExp('[' + SCRIPTS[script].chars + ']' + suffix, flags) : null;
  }
  var HAN = letters('han', '', 'g');
  var LATIN_WORD = letters('latin', '{2,}', 'g');
  var LATIN = letters('latin', '', '');
  var OTHER_SCRIPT = /[\u3040-\u30ff\uac00-\ud7af\u0400-\u04ff\u0600-\u06ff]/;
  function typedLanguage(text) {
    var plain = String(text).normalize ? String(text).normalize('NFKC') : String(text);
    var han = HAN ? (plain.match(HAN) || []).length : 0;
    var latin = LATIN_WORD ? (plain.match(LATIN_WORD) || []).length : 0;
    if (han && !OTHER_SCRIPT.test(plain) && (han >= 2 * latin || han >= 4)) { return SCRIPTS.han.lang; }
    if (LATIN && LATIN.test(plain)) { return SCRIPTS.latin.lang; }
    return state.lang;
  }

  // The page's own words in `lang`: every element marked data-s="key" (and data-s-label for
  // aria-label), in the page and in the offline banner's template.
  function translate(root) {
    Array.prototype.forEach.call(root.querySelectorAll('[data-s]'), function (el) {
      var text = fmt(S[el.getAttribute('data-s')], { max: MAX });
      var part = el.getAttribute('data-part');
      if (part !== null) { text = text.split('{emergency}')[Number(part)] || ''; }
      el.textContent = text;
    });
    Array.prototype.forEach.call(root.querySelectorAll('[data-s-label]'), function (el) {
      el.setAttribute('aria-label', S[el.getAttribute('data-s-label')] || '');
    });
  }

  function applyLanguage(lang) {
    if (!ALL[lang]) { return; }
    S = ALL[lang];
    state.lang = lang;
    doc.documentElement.setAttribute('lang', htmlLang(lang));
    doc.documentElement.setAttribute('data-lang', lang);
    translate(doc);
    translate(offlineTemplate.content);
    var heading = doc.querySelector('h1.title[data-s]');  // the page's own title, unless the site set one
    if (heading) { doc.title = heading.textContent; }
    var privacy = byId('privacy-link');
    if (privacy && privacy.hasAttribute('data-builtin')) {
      privacy.setAttribute('href', '/privacy' + (lang !== DEFAULT_LANG ? '?lang=' + encodeURIComponent(lang) : ''));
    }
    // Notes under messages ("not sent yet") and the buttons' group label follow too.
    state.items.forEach(function (item) {
      var el = elementFor(item.id);
      if (el) { applyStatus(el, item); }
    });
    var group = log.querySelector('.quick-replies');
    if (group) { group.setAttribute('aria-label', S.quick_replies); }
  }

  function apiUrl() {
    return new URL('api/messages?lang=' + encodeURIComponent(state.lang), doc.baseURI).toString();
  }

  /* ---- rendering ----------------------------------------------------------------------- */

  function noteFor(item) {
    if (item.status === 'queued') { return S.not_sent; }
    if (item.status === 'failed') { return item.note || S.rejected; }
    return '';
  }

  function applyStatus(el, item) {
    el.classList.toggle('msg-pending', item.status === 'queued');
    el.classList.toggle('msg-failed', item.status === 'failed');
    var note = el.querySelector('.msg-note');
    var text = noteFor(item);
    if (text) {
      if (!note) {
        note = doc.createElement('p');
        note.className = 'msg-note';
        el.appendChild(note);
      }
      note.textContent = text;
    } else if (note) {
      note.remove();
    }
  }

  function messageElement(item) {
    var wrap = doc.createElement('div');
    wrap.className = 'msg ' + (item.from === 'bot' ? 'msg-bot' : 'msg-user');
    wrap.setAttribute('data-id', item.id);
    if (item.text) {
      // The whole bubble, "Assistant said:" included, is read in the message's own language.
      var lang = ALL[item.lang] ? item.lang : state.lang;
      var words = ALL[lang] || S;
      var bubble = doc.createElement('p');
      bubble.className = 'bubble';
      bubble.setAttribute('lang', htmlLang(lang));
      var who = doc.createElement('span');
      who.className = 'sr-only';
      who.textContent = (item.from === 'bot' ? words.bot : words.you) + ' ';
      bubble.appendChild(who);
      bubble.appendChild(doc.createTextNode(item.text));
      wrap.appendChild(bubble);
    }
    applyStatus(wrap, item);
    return wrap;
  }

  function elementFor(id) {
    return log.querySelector('.msg[data-id="' + id + '"]');
  }

  function findItem(id) {
    for (var i = 0; i < state.items.length; i += 1) {
      if (state.items[i].id === id) { return state.items[i]; }
    }
    return null;
  }

  function setItemStatus(id, status, note) {
    var item = findItem(id);
    if (!item) { return; }
    if (status) { item.status = status; } else { delete item.status; }
    if (note) { item.note = note; } else { delete item.note; }
    var el = elementFor(id);
    if (el) { applyStatus(el, item); }
  }

  function clearQuickReplies() {
    var groups = log.querySelectorAll('.quick-replies');
    for (var i = 0; i < groups.length; i += 1) { groups[i].remove(); }
  }

  function renderQuickReplies() {
    clearQuickReplies();
    var last = state.items[state.items.length - 1];
    if (!last || last.from !== 'bot' || !last.buttons || !last.buttons.length || state.queue.length) {
      return null;
    }
    var group = doc.createElement('div');
    group.className = 'quick-replies';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', S.quick_replies);
    last.buttons.forEach(function (button) {
      var b = doc.createElement('button');
      b.type = 'button';
      b.className = 'btn quick-reply';
      b.textContent = button.title;
      b.setAttribute('lang', htmlLang(ALL[last.lang] ? last.lang : state.lang));
      b.addEventListener('click', function () {
        if (confirmOpen()) { return; }
        log.focus({ preventScroll: true });   // the group is about to go; keep focus in the log
        send(button.payload || button.title, { display: button.title, lang: last.lang });
      });
      group.appendChild(b);
    });
    log.appendChild(group);
    return group;
  }

  function renderAll() {
    log.textContent = '';
    state.items.forEach(function (item) { log.appendChild(messageElement(item)); });
    renderQuickReplies();
    scrollToEnd(null, true);
  }

  function logScrolls() {
    var style = window.getComputedStyle(log);
    return style.overflowY === 'auto' || style.overflowY === 'scroll';
  }

  // Show the newest messages; if the new batch is taller than the view, show its start.
  function scrollToEnd(firstNew, instant) {
    var behavior = instant || (reducedMotion && reducedMotion.matches) ? 'auto' : 'smooth';
    if (logScrolls()) {
      var bottom = log.scrollHeight - log.clientHeight;
      var target = bottom;
      if (firstNew) {
        var top = log.scrollTop + firstNew.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
        target = Math.min(bottom, top);
      }
      if (typeof log.scrollTo === 'function') {
        log.scrollTo({ top: target, behavior: behavior });
      } else {
        log.scrollTop = target;
      }
    } else if (firstNew) {
      firstNew.scrollIntoView({ block: 'nearest', behavior: behavior });
    }
  }

  function addItems(items) {
    var firstEl = null;
    items.forEach(function (item) {
      state.items.push(item);
      var el = messageElement(item);
      log.appendChild(el);
      if (!firstEl) { firstEl = el; }
    });
    return firstEl;
  }

  var typingTimer = null;
  function showTyping(on) {
    clearTimeout(typingTimer);
    if (on) {
      typingTimer = setTimeout(function () { typingEl.hidden = false; }, TYPING_DELAY_MS);
    } else {
      typingEl.hidden = true;
    }
  }

  function announce(text) {
    statusEl.textContent = '';
    setTimeout(function () { statusEl.textContent = text; }, 50);
  }

  /* ---- sending, queue and retry -------------------------------------------------------- */

  var inFlight = false;
  var generation = 0;     // bumped by "start over": answers to older requests are ignored
  var offline = false;
  var failures = 0;
  var retryTimer = null;
  var countdownTimer = null;
  var retryAt = 0;

  function updateAppState() {
    var value = 'idle';
    if (inFlight) { value = 'waiting'; }
    else if (offline) { value = 'offline'; }
    else if (state.queue.length) { value = 'waiting'; }
    app.setAttribute('data-state', value);
    app.setAttribute('data-offline', offline ? 'true' : 'false');
  }

  function post(text) {
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, REQUEST_TIMEOUT_MS);
    return fetch(apiUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify({ sender_id: state.sender, text: text }),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body && Array.isArray(body.messages)) {
          return { kind: 'ok', messages: body.messages, lang: body.lang };
        }
        if (response.status === 429) {
          // Too many messages in a minute: not an outage. Keep the message and send it when allowed.
          var wait = Number(response.headers.get('Retry-After'));
          return { kind: 'busy', wait: wait > 0 && wait <= 60 ? wait : 5 };
        }
        if (response.status === 413) {
          return { kind: 'rejected', note: fmt(S.too_long, { max: MAX }) };
        }
        if (response.status === 400) {
          return { kind: 'rejected', note: S.rejected };
        }
        return { kind: 'unavailable' };
      });
    }, function () {
      return { kind: 'unavailable' };
    }).then(function (result) {
      clearTimeout(timer);
      return result;
    });
  }

  function cleanBotMessages(messages) {
    var items = [];
    messages.forEach(function (m) {
      if (!m || typeof m !== 'object') { return; }
      var text = typeof m.text === 'string' ? m.text : '';
      var buttons = Array.isArray(m.buttons) ? m.buttons.filter(function (b) {
        return b && typeof b.title === 'string' && b.title.trim();
      }).map(function (b) {
        return { title: b.title, payload: typeof b.payload === 'string' ? b.payload : b.title };
      }) : [];
      if (!text && !buttons.length) { return; }
      var item = { id: nextId(), from: 'bot', text: text, lang: ALL[m.lang] ? m.lang : state.lang };
      if (buttons.length) { item.buttons = buttons; }
      items.push(item);
    });
    return items;
  }

  function pump() {
    if (inFlight) { return; }
    if (!state.queue.length) { updateAppState(); return; }
    clearRetry();
    inFlight = true;
    var gen = generation;
    var job = state.queue[0];
    if (offline) { setRetryStatus(S.retrying); }
    updateAppState();
    showTyping(true);
    post(job.text).then(function (result) {
      if (gen !== generation) { return; }   // the conversation was restarted meanwhile
      inFlight = false;
      showTyping(false);
      if (result.kind === 'ok') {
        state.queue.shift();
        setItemStatus(job.id, null);
        failures = 0;
        if (ALL[result.lang] && result.lang !== state.lang) { applyLanguage(result.lang); }
        var firstNew = addItems(cleanBotMessages(result.messages));
        save();
        if (offline) { goOnline(); }
        renderQuickReplies();
        scrollToEnd(firstNew, false);
        updateAppState();
        pump();
      } else if (result.kind === 'busy') {
        showTyping(true);   // the message is on its way, a few seconds late
        announce(S.busy);
        app.setAttribute('data-state', 'waiting');
        retryTimer = setTimeout(function () { retryTimer = null; pump(); }, result.wait * 1000);
      } else if (result.kind === 'rejected') {
        state.queue.shift();
        setItemStatus(job.id, 'failed', result.note);
        save();
        if (offline) { goOnline(); }
        showError(result.note);
        updateAppState();
        pump();
      } else {
        failures += 1;
        state.queue.forEach(function (q) { setItemStatus(q.id, 'queued'); });
        save();
        goOffline();
        scheduleRetry();
        updateAppState();
      }
    });
  }

  function send(text, options) {
    options = options || {};
    var trimmed = String(text).trim();
    if (!trimmed) { return false; }
    var id = nextId();
    if (!options.hidden) {
      var item = { id: id, from: 'user', text: options.display || trimmed,
                   lang: ALL[options.lang] ? options.lang : typedLanguage(trimmed) };
      if (offline) { item.status = 'queued'; }
      var el = addItems([item]);
      scrollToEnd(el, false);
    }
    state.queue.push({ id: id, text: trimmed, hidden: !!options.hidden });
    save();
    clearQuickReplies();
    updateAppState();
    pump();   // also retries at once when the patient sends something while we are offline
    return true;
  }

  function clearRetry() {
    clearTimeout(retryTimer);
    clearInterval(countdownTimer);
    retryTimer = null;
    countdownTimer = null;
  }

  function setRetryStatus(text) {
    var el = offlineRegion.querySelector('.retry-status');
    if (el) { el.textContent = text; }
  }

  function scheduleRetry() {
    clearRetry();
    var delay = Math.min(MAX_BACKOFF_S, Math.pow(2, Math.max(1, failures)));
    retryAt = Date.now() + delay * 1000;
    var tick = function () {
      var left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      setRetryStatus(left === 1 && S.retry_in_one ? S.retry_in_one : fmt(S.retry_in, { s: left }));
    };
    tick();
    countdownTimer = setInterval(tick, 1000);
    retryTimer = setTimeout(function () { clearRetry(); pump(); }, delay * 1000);
  }

  function retryNow() {
    clearRetry();
    pump();
  }

  function goOffline() {
    if (offline) { return; }
    offline = true;
    offlineRegion.textContent = '';
    var banner = offlineTemplate.content.firstElementChild.cloneNode(true);
    banner.querySelector('.try-now').addEventListener('click', retryNow);
    offlineRegion.appendChild(banner);
  }

  var onlineNoteTimer = null;
  function goOnline() {
    offline = false;
    failures = 0;
    clearRetry();
    var hadFocus = offlineRegion.contains(doc.activeElement);
    offlineRegion.textContent = '';
    var note = doc.createElement('p');
    note.className = 'online-note';
    note.textContent = S.back_online;
    offlineRegion.appendChild(note);
    clearTimeout(onlineNoteTimer);
    onlineNoteTimer = setTimeout(function () {
      if (!offline) { offlineRegion.textContent = ''; }
    }, 5000);
    if (hadFocus) { focusComposerOrLog(); }
    updateAppState();
  }

  function focusComposerOrLog() {
    if (coarsePointer && coarsePointer.matches) {
      log.focus({ preventScroll: true });   // do not pop up the phone keyboard
    } else {
      input.focus();
    }
  }

  /* ---- composer ------------------------------------------------------------------------ */

  function showError(text) {
    if (text) {
      errorEl.textContent = text;
      errorEl.hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } else {
      errorEl.textContent = '';
      errorEl.hidden = true;
      input.removeAttribute('aria-invalid');
    }
  }

  var lastCountAnnounced = false;
  function updateCount() {
    var n = input.value.length;
    if (n >= MAX - 200) {
      countEl.textContent = fmt(S.count, { n: n, max: MAX });
      countEl.hidden = false;
    } else {
      countEl.hidden = true;
    }
    if (n >= MAX && !lastCountAnnounced) {
      lastCountAnnounced = true;
      announce(fmt(S.count, { n: n, max: MAX }));
    } else if (n < MAX) {
      lastCountAnnounced = false;
    }
  }

  var draftTimer = null;
  input.addEventListener('input', function () {
    updateCount();
    if (!errorEl.hidden && input.value.trim()) { showError(null); }
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () { state.draft = input.value; save(); }, 300);
  });

  input.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    submit();
  });

  function submit() {
    var text = input.value;
    if (!text.trim()) {
      showError(S.empty);
      input.focus();
      return;
    }
    if (text.trim().length > MAX) {
      showError(fmt(S.too_long, { max: MAX }));
      return;
    }
    showError(null);
    if (send(text)) {
      input.value = '';
      state.draft = '';
      save();
      updateCount();
    }
  }

  /* ---- start over ---------------------------------------------------------------------- */

  function confirmOpen() { return !confirmBox.hidden; }

  function openConfirm() {
    confirmBox.hidden = false;
    restartButton.setAttribute('aria-expanded', 'true');
    confirmText.focus();
  }

  function closeConfirm(returnFocus) {
    confirmBox.hidden = true;
    restartButton.setAttribute('aria-expanded', 'false');
    if (returnFocus) { restartButton.focus(); }
  }

  function startOver() {
    generation += 1;
    inFlight = false;
    showTyping(false);
    clearRetry();
    state.items = [];
    state.queue = [];
    failures = 0;
    save();
    renderAll();
    showError(null);
    // The assistant's start_over erases the answers stored so far, then introduces the study again.
    send('/start_over', { hidden: true });
  }

  restartButton.addEventListener('click', function () {
    if (confirmOpen()) { closeConfirm(true); } else { openConfirm(); }
  });
  confirmNo.addEventListener('click', function () { closeConfirm(true); });
  confirmYes.addEventListener('click', function () {
    closeConfirm(false);
    startOver();
    focusComposerOrLog();
  });
  confirmBox.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      closeConfirm(true);
    }
  });

  /* ---- inside the embed panel (embed.js) ------------------------------------------------- */

  var embedded = window.parent !== window;
  if (embedded) {
    // Escape closes the hospital site's panel; keys inside an iframe do not reach the parent.
    doc.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && !event.defaultPrevented && !confirmOpen()) {
        window.parent.postMessage({ type: 'prescreen:close' }, '*');
      }
    });
    window.addEventListener('message', function (event) {
      if (event.source === window.parent && event.data && event.data.type === 'prescreen:focus') {
        focusComposerOrLog();
      }
    });
  }

  /* ---- colour ---------------------------------------------------------------------------- */

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function toHex(rgb) {
    return '#' + rgb.map(function (v) { return ('0' + Math.round(v).toString(16)).slice(-2); }).join('');
  }

  // Use the hospital's colour, darkened if needed so white text on it (and it as link text
  // on white) keeps a 4.5:1 contrast ratio.
  function applyAccent(hex) {
    var m = /^#([0-9a-f]{6})$/i.exec(hex || '');
    if (!m) { return; }
    var n = parseInt(m[1], 16);
    var rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    for (var i = 0; i < 40 && (1.05 / (luminance(rgb) + 0.05)) < 4.6; i += 1) {
      rgb = rgb.map(function (v) { return v * 0.92; });
    }
    var soft = rgb.map(function (v) { return v * 0.1 + 255 * 0.9; });
    var root = doc.documentElement.style;
    root.setProperty('--accent', toHex(rgb));
    root.setProperty('--on-accent', '#ffffff');
    root.setProperty('--accent-soft', toHex(soft));
  }

  /* ---- layout ---------------------------------------------------------------------------- */

  // With large text on a small screen, header + notice + composer can fill the whole screen;
  // then let the page scroll as one instead of squeezing the conversation to nothing.
  function fitLayout() {
    var chrome = 0;
    fixedParts().forEach(function (part) {
      if (part.offsetParent !== null) { chrome += part.getBoundingClientRect().height; }
    });
    var room = window.innerHeight - chrome;
    var flow = room < Math.max(160, window.innerHeight * 0.25);
    if (flow === app.classList.contains('flow')) { return; }
    app.classList.toggle('flow', flow);
    // Keep the newest messages and the message box in view after the switch.
    var active = doc.activeElement;
    if (flow && active && active !== doc.body && active !== log && !log.contains(active)) {
      active.scrollIntoView({ block: 'nearest' });   // e.g. the start-over question
    } else if (flow) {
      window.scrollTo(0, doc.documentElement.scrollHeight);
    } else {
      scrollToEnd(null, true);
    }
  }

  // Everything on screen but the conversation itself.
  function fixedParts() {
    var parts = [];
    [app, byId('main')].forEach(function (parent) {
      Array.prototype.forEach.call(parent.children, function (child) {
        if (child.id !== 'main' && child !== log && !child.classList.contains('skip-link')) {
          parts.push(child);
        }
      });
    });
    return parts;
  }

  var layoutPending = false;
  function scheduleFit() {
    if (layoutPending) { return; }
    layoutPending = true;
    window.requestAnimationFrame(function () { layoutPending = false; fitLayout(); });
  }

  /* ---- start ----------------------------------------------------------------------------- */

  applyAccent(doc.documentElement.getAttribute('data-accent'));
  if (state.lang !== PAGE_LANG) { applyLanguage(state.lang); }
  input.setAttribute('maxlength', String(MAX));
  if (state.draft) { input.value = state.draft; }
  updateCount();
  renderAll();

  fitLayout();
  window.addEventListener('resize', scheduleFit);
  if (typeof ResizeObserver === 'function') {
    var observer = new ResizeObserver(scheduleFit);
    fixedParts().forEach(function (part) { observer.observe(part); });
  }

  window.addEventListener('online', function () { if (offline) { retryNow(); } });
  doc.addEventListener('visibilitychange', function () {
    if (doc.visibilityState === 'visible' && offline && !inFlight) { retryNow(); }
  });

  if (!state.items.length && !state.queue.length) {
    send('/greet', { hidden: true });
  } else {
    pump();
  }
  updateAppState();
  save();
})();
