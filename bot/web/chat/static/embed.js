/* Prescreen embed: one <script> tag on the hospital's site adds a launcher button and a panel
 * holding the chat page in an iframe.
 *
 *   <script src="https://CHAT-SERVER/embed.js" defer
 *           data-server="https://CHAT-SERVER"      (optional; default: where this file came from)
 *           data-title="CAR-T study prescreen"      (optional; panel title and launcher text)
 *           data-label="Am I eligible?"            (optional; launcher text, default data-title)
 *           data-color="#0b57a4"                    (optional; launcher/panel colour)
 *           data-lang="en"                          (optional; one of the chat's languages)
 *           data-position="right"></script>         (optional; "right" or "left")
 *
 * Only inline styles set through the DOM are used, so the host page needs no extra CSS and a
 * host CSP needs only to allow this script and frame-src for the chat server.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script || window.__prescreenEmbedLoaded) { return; }
  window.__prescreenEmbedLoaded = true;

  var data = script.dataset || {};
  var server;
  try {
    server = new URL(data.server || '.', script.src).href.replace(/\/+$/, '');
  } catch (e) {
    return;
  }
  var serverOrigin = new URL(server).origin;
  var title = (data.title || 'Clinical study prescreen').slice(0, 80);
  var label = (data.label || title).slice(0, 80);
  var lang = /^[a-z]{2}(-[A-Za-z]{2,4})?$/.test(data.lang || '') ? data.lang : '';
  var position = data.position === 'left' ? 'left' : 'right';
  var color = accessibleColor(data.color) || '#0b57a4';
  // The chat's languages with the words this script shows, put in by the server that sends it (GET
  // /embed.js, from bot/languages.py and the chat page's texts): {"en": {"html_lang": "en", "close_chat": ...}}.
  var LANGS = {"__LANGUAGES__": 1};
  var DEFAULT_LANG = '__DEFAULT_LANGUAGE__';
  var base = lang.slice(0, 2).toLowerCase();
  var closeLabel = (LANGS[base] || LANGS[DEFAULT_LANG] || {}).close_chat || '';
  // The chat page's stack (chat.css): Latin fonts, then the Simplified Chinese system fonts; none downloaded.
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, "PingFang SC", ' +
    '"Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';
  var Z = '2147483000';

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  // The colour, darkened until white text on it has at least 4.5:1 contrast.
  function accessibleColor(raw) {
    var m = /^#?([0-9a-f]{6})$/i.exec((raw || '').trim());
    if (!m) { return null; }
    var n = parseInt(m[1], 16);
    var rgb = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    for (var i = 0; i < 40 && 1.05 / (luminance(rgb) + 0.05) < 4.6; i += 1) {
      rgb = rgb.map(function (v) { return v * 0.92; });
    }
    return '#' + rgb.map(function (v) { return ('0' + Math.round(v).toString(16)).slice(-2); }).join('');
  }

  // !important keeps the host site's CSS from restyling the launcher, except for text spacing,
  // which people's own style sheets must still be able to change (WCAG 1.4.12).
  var ADJUSTABLE = { 'line-height': 1, 'letter-spacing': 1, 'word-spacing': 1 };
  function css(el, styles) {
    Object.keys(styles).forEach(function (k) {
      el.style.setProperty(k, styles[k], ADJUSTABLE[k] ? '' : 'important');
    });
  }

  function font(weight, size, lineHeight) {
    return {
      'font-family': FONT, 'font-weight': weight, 'font-size': size, 'font-style': 'normal',
      'line-height': lineHeight
    };
  }

  function merge(a, b) {
    Object.keys(b).forEach(function (k) { a[k] = b[k]; });
    return a;
  }

  function focusRing(el, ringColor) {
    el.addEventListener('focus', function () {
      var visible = true;
      try { visible = el.matches(':focus-visible'); } catch (e) { /* old browser: always show */ }
      if (visible) {
        css(el, { outline: '3px solid ' + ringColor, 'outline-offset': '3px' });
      }
    });
    el.addEventListener('blur', function () { css(el, { outline: 'none' }); });
  }

  var panelId = 'prescreen-panel-' + Math.random().toString(36).slice(2, 8);

  var launcher = document.createElement('button');
  launcher.type = 'button';
  launcher.className = 'prescreen-launcher';
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', panelId);
  launcher.textContent = label;
  css(launcher, {
    position: 'fixed', bottom: '16px', [position]: '16px', 'z-index': Z,
    'min-height': '48px', 'min-width': '48px', 'max-width': 'calc(100vw - 32px)',
    padding: '12px 20px', margin: '0', border: '2px solid #ffffff', 'border-radius': '28px',
    background: color, color: '#ffffff', 'text-align': 'center',
    cursor: 'pointer', 'box-shadow': '0 4px 16px rgba(0,0,0,0.25)',
    'text-transform': 'none', width: 'auto', height: 'auto'
  });
  css(launcher, font('600', '18px', '1.3'));
  focusRing(launcher, '#1b1f24');

  var panel = document.createElement('div');
  panel.id = panelId;
  panel.className = 'prescreen-panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'false');
  panel.setAttribute('aria-label', title);
  panel.hidden = true;
  // The title and the close button are in the chat's language, whatever the hospital page's is.
  var langTag = LANGS[base] ? LANGS[base].html_lang : base;
  if (langTag) {
    launcher.setAttribute('lang', langTag);
    panel.setAttribute('lang', langTag);
  }

  var header = document.createElement('div');
  css(header, {
    display: 'flex', 'align-items': 'center', 'justify-content': 'space-between', gap: '8px',
    padding: '4px 4px 4px 16px', background: color, color: '#ffffff', 'flex': '0 0 auto'
  });
  var heading = document.createElement('span');
  heading.textContent = title;
  css(heading, merge(font('700', '18px', '1.3'), { color: '#ffffff', 'overflow-wrap': 'anywhere' }));
  var closeButton = document.createElement('button');
  closeButton.type = 'button';
  closeButton.setAttribute('aria-label', closeLabel);
  closeButton.textContent = '\u00d7';
  css(closeButton, {
    'min-width': '48px', 'min-height': '48px', margin: '0', padding: '0 12px',
    border: '0', 'border-radius': '8px', background: 'transparent', color: '#ffffff',
    cursor: 'pointer'
  });
  css(closeButton, font('400', '30px', '1'));
  focusRing(closeButton, '#ffffff');
  header.appendChild(heading);
  header.appendChild(closeButton);
  panel.appendChild(header);

  var frame = null;

  function frameSrc() {
    var url = new URL(server + '/');
    url.searchParams.set('embed', '1');
    if (lang) { url.searchParams.set('lang', lang); }
    if (data.color) { url.searchParams.set('color', color); }
    return url.href;
  }

  function layout() {
    var small = window.innerWidth < 520 || window.innerHeight < 560;
    // Full screen on phones; the launcher would sit on top of the chat, so hide it meanwhile.
    css(launcher, { display: small && !panel.hidden ? 'none' : 'inline-block' });
    if (small) {
      css(panel, {
        position: 'fixed', top: '0', left: '0', right: '0', bottom: '0', width: '100%',
        height: '100%', 'max-height': 'none', 'border-radius': '0', border: '0'
      });
    } else {
      css(panel, {
        position: 'fixed', bottom: '88px', top: 'auto', width: '420px',
        height: 'min(680px, calc(100vh - 112px))', 'border-radius': '12px',
        border: '1px solid #c9d0d8'
      });
      panel.style.setProperty(position, '16px', 'important');
      panel.style.setProperty(position === 'right' ? 'left' : 'right', 'auto', 'important');
    }
  }

  css(panel, {
    'z-index': Z, display: 'none', 'flex-direction': 'column', overflow: 'hidden',
    background: '#ffffff', 'box-shadow': '0 8px 32px rgba(0,0,0,0.3)', 'box-sizing': 'border-box'
  });

  function open() {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.title = title;
      frame.src = frameSrc();
      frame.setAttribute('allow', 'clipboard-write');
      css(frame, { flex: '1 1 auto', width: '100%', height: '100%', border: '0', display: 'block' });
      frame.addEventListener('load', function () {
        if (!panel.hidden) { frame.contentWindow.postMessage({ type: 'prescreen:focus' }, serverOrigin); }
      });
      panel.appendChild(frame);
    }
    panel.hidden = false;
    layout();
    css(panel, { display: 'flex' });
    launcher.setAttribute('aria-expanded', 'true');
    frame.focus();
    try { frame.contentWindow.postMessage({ type: 'prescreen:focus' }, serverOrigin); } catch (e) { /* not loaded */ }
  }

  function close() {
    panel.hidden = true;
    css(panel, { display: 'none' });
    css(launcher, { display: 'inline-block' });
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  launcher.addEventListener('click', function () {
    if (panel.hidden) { open(); } else { close(); }
  });
  closeButton.addEventListener('click', close);
  panel.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { close(); }
  });
  window.addEventListener('message', function (event) {
    if (event.origin === serverOrigin && frame && event.source === frame.contentWindow &&
        event.data && event.data.type === 'prescreen:close' && !panel.hidden) {
      close();
    }
  });
  window.addEventListener('resize', function () { if (!panel.hidden) { layout(); } });
  css(launcher, { display: 'inline-block' });

  function mount() {
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
  }

  if (document.body) { mount(); } else { document.addEventListener('DOMContentLoaded', mount); }
})();
