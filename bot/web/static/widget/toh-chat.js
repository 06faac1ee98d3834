/*
 * toh-chat.js: the TOH patient-education assistant as a chat widget for a clinic website.
 *
 * Paste one tag into a page:
 *   <script src="https://clinic.example/widget/toh-chat.js" data-rasa-url="https://bot.example"
 *           data-title="Questions about hip TOH" defer></script>
 * Optional: data-label (launcher text), data-lang (default "en"), data-css (stylesheet URL;
 * default: toh-chat.css next to this file).
 *
 * Talks to Rasa's REST channel: POST {rasa-url}/webhooks/rest/webhook {"sender", "message"}; the
 * answer is a list of {"recipient_id", "text"?, "buttons"?, "custom"?, ...}. Rasa must allow CORS
 * from the page's origin; a page with a CSP needs connect-src for the Rasa origin and style-src
 * for the stylesheet.
 *
 * Privacy: the conversation is kept in sessionStorage (this tab only, gone when it closes) and
 * forgotten after 30 idle minutes; "Clear" (accessible name "Clear conversation") forgets it at
 * once and starts a new conversation. Nothing stays on a shared computer for the next person.
 *
 * Safety: message text never reaches innerHTML. The small Markdown subset is built with
 * createElement/textContent, links are http(s) only and open in a new tab without an opener.
 * Plain ES2017, no build step, no dependencies.
 */
(() => {
  'use strict';
  const script = document.currentScript || document.querySelector('script[src*="toh-chat.js"]');
  if (!script || window.__tohChat) return;
  window.__tohChat = true;

  const cfg = script.dataset;
  const RASA = (cfg.rasaUrl || 'http://localhost:5005').replace(/\/+$/, '');
  const TITLE = cfg.title || 'Questions about hip TOH';
  const KEY = 'toh-chat:';
  const MAX_HISTORY = 100;
  const IDLE_MS = 30 * 60 * 1000; // an idle conversation is forgotten after this long
  const TIMEOUT_MS = 20000;
  const CONNECT_ERROR = "Sorry, I can't connect right now. If this is urgent, call 911.";
  const NO_ANSWER = 'Sorry, I have no answer right now. Please try again. If this is urgent, call 911.';
  const ICONS = {
    chat: 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z',
    close: 'M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z',
    warn: 'M12 2 1 21h22L12 2zm1 16h-2v-2h2v2zm0-4h-2V9h2v5z',
    send: 'M2 21 23 12 2 3v7l15 2-15 2z',
  };

  // ---- storage: sessionStorage, this tab only (missing or full: the chat works without memory) ----
  const tab = () => window.sessionStorage;
  const store = {
    get(k) { try { return JSON.parse(tab().getItem(KEY + k)); } catch (e) { return null; } },
    set(k, v) { try { tab().setItem(KEY + k, JSON.stringify(v)); } catch (e) { /* ignore */ } },
    del(k) { try { tab().removeItem(KEY + k); } catch (e) { /* ignore */ } },
  };
  // Earlier versions kept the chat in localStorage, with no end: forget those copies.
  ['sender', 'history'].forEach((k) => { try { window.localStorage.removeItem(KEY + k); } catch (e) { /* ignore */ } });
  const saved = store.get('saved');
  if (typeof saved !== 'number' || Date.now() - saved > IDLE_MS) { store.del('history'); store.del('sender'); }
  const newSender = () => {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const isStr = (v) => typeof v === 'string';
  const cleanButtons = (list) => (Array.isArray(list) ? list : [])
    .filter((b) => b && isStr(b.title) && isStr(b.payload) && b.title.trim())
    .map((b) => ({ title: b.title, payload: b.payload }));
  const cleanItem = (it) => {
    if (!it || (it.who !== 'bot' && it.who !== 'user') || !isStr(it.text)) return null;
    const out = { who: it.who, text: it.text };
    const buttons = cleanButtons(it.buttons);
    if (buttons.length && it.who === 'bot') out.buttons = buttons;
    if (isStr(it.tier) && it.who === 'bot') out.tier = it.tier;
    return out;
  };

  let sender = store.get('sender');
  if (!isStr(sender) || !/^web-[0-9a-f]{32}$/.test(sender)) {
    sender = newSender();
    store.set('sender', sender);
  }
  let history = (Array.isArray(store.get('history')) ? store.get('history') : [])
    .map(cleanItem).filter(Boolean).slice(-MAX_HISTORY);
  let generation = 0; // bumped by "start over" so a late reply of the old conversation is dropped

  // ---- DOM helpers: text only ever enters the page as text nodes ----
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    Object.keys(attrs || {}).forEach((k) => {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    });
    kids.forEach((kid) => { if (kid !== null && kid !== undefined) el.append(kid); });
    return el;
  }
  function icon(name) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    const path = document.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'toh-icon');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  }
  const srOnly = (text) => h('span', { class: 'toh-sr' }, text);

  // ---- safe Markdown: **bold**, *italic*, [label](url), bare http(s) URLs, lists, paragraphs ----
  const INLINE = /\*\*(.+?)\*\*|\*(?![\s*])(.+?)\*|\[([^\]\n]+)\]\(([^()\s]+)\)|(https?:\/\/[^\s<>"]+)/g;

  function link(parent, url, label) {
    let safe = null;
    try {
      const u = new URL(url);
      if (u.protocol === 'http:' || u.protocol === 'https:') safe = u.href;
    } catch (e) { /* not a URL: shown as text */ }
    if (!safe) { parent.append(label); return; }
    parent.append(h('a', { href: safe, target: '_blank', rel: 'noopener noreferrer' },
      label, srOnly(' (opens in a new tab)')));
  }

  function inline(parent, text, depth) {
    const re = new RegExp(INLINE.source, 'g');
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[1] !== undefined && depth < 3) inline(parent.appendChild(h('strong')), m[1], depth + 1);
      else if (m[2] !== undefined && depth < 3) inline(parent.appendChild(h('em')), m[2], depth + 1);
      else if (m[3] !== undefined) link(parent, m[4], m[3]);
      else if (m[5] !== undefined) {
        const url = m[5].replace(/[.,;:!?)\]]+$/, '');
        link(parent, url, url);
        parent.append(m[5].slice(url.length));
      } else parent.append(m[0]);
      last = re.lastIndex;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function markdown(text) {
    const frag = document.createDocumentFragment();
    String(text).replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/).forEach((block) => {
      let para = null;
      let list = null;
      block.split('\n').forEach((raw) => {
        const line = raw.trim();
        if (!line) return;
        const bullet = /^[-*\u2022]\s+(.*)$/.exec(line);
        const numbered = bullet ? null : /^\d{1,3}[.)]\s+(.*)$/.exec(line);
        if (bullet || numbered) {
          const tag = bullet ? 'UL' : 'OL';
          if (!list || list.tagName !== tag) list = frag.appendChild(h(tag.toLowerCase()));
          para = null;
          inline(list.appendChild(h('li')), (bullet || numbered)[1], 0);
        } else {
          list = null;
          if (para) para.append(h('br'));
          else para = frag.appendChild(h('p'));
          inline(para, line, 0);
        }
      });
    });
    return frag;
  }

  // ---- Rasa REST answer -> conversation items ----
  // Rasa splits a text without buttons at blank lines into several messages and sends a
  // dispatcher's json_message as a separate {"custom": ...} message after the text. So: the
  // consecutive plain texts of one answer are joined back into one bubble, and a custom
  // {"kind": "escalation", "tier": ...} marks the bubble just before it (or carries its own text).
  // Caveat: two plain utterances in one answer also become one bubble, so a bot that marks an
  // escalation should not send another plain text right before it in the same turn.
  const escalationTier = (custom) => {
    if (!custom || typeof custom !== 'object') return null;
    if (isStr(custom.tier) && custom.tier) return custom.tier;
    return custom.kind === 'escalation' ? 'urgent' : null;
  };
  // Fallback for a bot that does not mark escalations: the first line tells the patient to call
  // 911 or 988 ("**Call 911 now.**", "Please call or text 988 now", "This may be an emergency.
  // Call 911 now."). A footer like "In an emergency, call 911." (out of scope, goodbye...) is
  // deliberately not an escalation: crying wolf would teach patients to skip the real ones.
  const CALL = '(?:call|dial|phone|text)\\b[^.!?]{0,24}?\\b';
  function guessTier(text) {
    const first = text.trim().split('\n')[0].replace(/[*_`]/g, '').trim();
    const says = (n) => new RegExp('^(?:please\\s+)?(?:' + CALL + ')?' + n + '\\b', 'i').test(first)
      || new RegExp('\\b' + CALL + n + '\\s+(?:now|right away|immediately)\\b', 'i').test(first);
    if (says('911')) return 'emergency';
    if (says('988')) return 'crisis';
    return null;
  }

  function toItems(messages) {
    const items = [];
    let open = null; // last plain text bubble of this answer that further parts may join
    messages.forEach((m) => {
      if (!m || typeof m !== 'object') return;
      const tier = escalationTier(m.custom);
      const text = isStr(m.text) ? m.text : (m.custom && isStr(m.custom.text) ? m.custom.text : '');
      const buttons = cleanButtons(m.buttons);
      if (text.trim()) {
        if (open && !buttons.length && !tier) { open.text += '\n\n' + text; return; }
        const item = { who: 'bot', text };
        if (buttons.length) item.buttons = buttons;
        if (tier) item.tier = tier;
        items.push(item);
        open = buttons.length || tier ? null : item;
      } else if (tier && items.length) {
        items[items.length - 1].tier = tier; // the text (and buttons) this marker came after
        open = null;
      } else if (buttons.length) {
        const prev = items[items.length - 1];
        if (prev && !prev.buttons) prev.buttons = buttons;
        else items.push({ who: 'bot', text: '', buttons });
        open = null;
      }
    });
    items.forEach((it) => { if (!it.tier) { const t = guessTier(it.text); if (t) it.tier = t; } });
    return items;
  }

  // ---- the widget ----
  const root = h('aside', { class: 'toh-chat', lang: cfg.lang || 'en', 'aria-label': 'Chat assistant', hidden: true });
  const launcher = h('button', { type: 'button', class: 'toh-launcher', 'aria-expanded': 'false', 'aria-controls': 'toh-chat-panel' },
    icon('chat'), h('span', {}, cfg.label || 'Ask a question about TOH'));
  const restart = h('button', { type: 'button', class: 'toh-restart', 'aria-label': 'Clear conversation', title: 'Clear conversation' }, 'Clear');
  const closer = h('button', { type: 'button', class: 'toh-close', 'aria-label': 'Close chat' }, icon('close'));
  const log = h('div', { class: 'toh-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Conversation', tabindex: '0' });
  const typing = h('div', { class: 'toh-typing', 'aria-hidden': 'true', hidden: true }, h('span'), h('span'), h('span'));
  const input = h('input', { id: 'toh-chat-input', class: 'toh-input', type: 'text', autocomplete: 'off', placeholder: 'Type your question\u2026', enterkeyhint: 'send' });
  const form = h('form', { class: 'toh-form', novalidate: true },
    h('label', { for: 'toh-chat-input', class: 'toh-sr' }, 'Your question'),
    input,
    h('button', { type: 'submit', class: 'toh-send' }, icon('send'), h('span', {}, 'Send')));
  const panel = h('div', { id: 'toh-chat-panel', class: 'toh-panel', role: 'dialog', 'aria-labelledby': 'toh-chat-title', hidden: true },
    h('div', { class: 'toh-head' }, h('h2', { id: 'toh-chat-title', class: 'toh-title' }, TITLE), restart, closer),
    log,
    form,
    h('p', { class: 'toh-note' }, h('span', {}, 'Education, not medical advice.'), ' ',
      h('span', {}, 'Emergency? Call 911.')));
  log.append(typing);
  root.append(panel, launcher);

  function view(item) {
    if (item.who === 'user') return h('div', { class: 'toh-msg toh-user' }, srOnly('You said: '), item.text);
    let el;
    if (item.tier) {
      const tier = item.tier.toLowerCase().replace(/[^a-z0-9_-]/g, '');
      el = h('div', { class: 'toh-msg toh-bot toh-esc toh-esc-' + tier, role: 'alert', 'data-tier': tier },
        h('h3', { class: 'toh-esc-head' }, icon('warn'), 'Urgent: please read'));
    } else {
      el = h('div', { class: 'toh-msg toh-bot' }, srOnly('Assistant: '));
    }
    if (item.text.trim()) el.append(h('div', { class: 'toh-body' }, markdown(item.text)));
    if (item.buttons) {
      const group = h('div', { class: 'toh-replies', role: 'group', 'aria-label': 'Suggested replies' });
      item.buttons.forEach((b) => {
        const btn = h('button', { type: 'button', class: 'toh-reply' }, b.title);
        btn.addEventListener('click', () => send(b.payload, b.title));
        group.append(btn);
      });
      el.append(group);
    }
    return el;
  }

  function save() {
    history = history.slice(-MAX_HISTORY);
    store.set('history', history);
    store.set('saved', Date.now());
  }
  function scrollTo(el) {
    // A bot answer is shown from its start (long answers must be read top-down); else the end.
    const top = el && el.classList.contains('toh-bot') ? el.offsetTop - 8 : log.scrollHeight;
    log.scrollTop = Math.min(top, log.scrollHeight);
  }
  function add(items) {
    let first = null;
    items.forEach((item) => {
      history.push(item);
      const el = view(item);
      log.insertBefore(el, typing);
      first = first || el;
    });
    save();
    scrollTo(first);
    return first;
  }
  function clearNotices() { log.querySelectorAll('.toh-error').forEach((el) => el.remove()); }
  function notice(text) {
    clearNotices();
    const el = h('div', { class: 'toh-msg toh-bot toh-error', role: 'alert' }, h('div', { class: 'toh-body' }, markdown(text)));
    scrollTo(log.insertBefore(el, typing));
  }
  function dropReplies() {
    const hadFocus = log.contains(document.activeElement) && document.activeElement !== log;
    log.querySelectorAll('.toh-replies').forEach((el) => el.remove());
    history.forEach((it) => { delete it.buttons; });
    if (hadFocus) input.focus();
  }

  async function post(message) {
    const ctl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctl ? setTimeout(() => ctl.abort(), TIMEOUT_MS) : null;
    try {
      const res = await fetch(RASA + '/webhooks/rest/webhook', {
        method: 'POST',
        mode: 'cors',
        credentials: 'omit',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sender, message }),
        signal: ctl ? ctl.signal : undefined,
      });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const data = await res.json();
      if (!Array.isArray(data)) throw new Error('unexpected answer');
      return data;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  // Messages go out one at a time and in order: one typed while an answer is on its way waits.
  let queue = Promise.resolve();
  let greeting = -1; // the generation whose greeting is on its way

  // Sends `message` (a text or a payload like "/faq_duration"); `shown` is the user's bubble
  // (none for the greeting). Resolves to false when the message could not be delivered.
  function send(message, shown) {
    const gen = generation;
    clearNotices();
    dropReplies();
    const run = queue.then(() => (gen === generation ? deliver(message, shown, gen) : true));
    queue = run.catch(() => false);
    return run;
  }

  async function deliver(message, shown, gen) {
    let mine = null;
    if (shown) {
      const item = { who: 'user', text: shown };
      mine = add([item]);
      mine.tohItem = item;
    }
    typing.hidden = false;
    try {
      const answer = await post(message);
      if (gen !== generation) return true;
      const items = toItems(answer);
      if (items.length) add(items);
      else notice(NO_ANSWER);
      return true;
    } catch (e) {
      if (gen !== generation) return true;
      if (mine) {
        history = history.filter((it) => it !== mine.tohItem);
        mine.remove();
        save();
      }
      notice(CONNECT_ERROR);
      return false;
    } finally {
      if (gen === generation) typing.hidden = true;
    }
  }

  function greet() {
    if (history.length || greeting === generation) return;
    const gen = generation;
    greeting = gen;
    send('/greet', null).then(() => { if (greeting === gen) greeting = -1; });
  }
  // On a phone the panel covers the page: it is then modal and Tab stays inside it.
  const fullScreen = window.matchMedia ? window.matchMedia('(max-width: 520px)') : { matches: false };
  function trapTab(ev) {
    const focusables = Array.from(panel.querySelectorAll('button, input, a[href], [tabindex="0"]'))
      .filter((el) => !el.disabled && el.getClientRects().length);
    const first = focusables[0];
    const last = focusables[focusables.length - 1];
    if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
    else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
  }

  function openPanel() {
    if (fullScreen.matches) panel.setAttribute('aria-modal', 'true');
    else panel.removeAttribute('aria-modal');
    document.documentElement.classList.add('toh-chat-open');
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    root.classList.add('toh-open');
    log.scrollTop = log.scrollHeight;
    input.focus();
    greet();
  }
  function closePanel() {
    document.documentElement.classList.remove('toh-chat-open');
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    root.classList.remove('toh-open');
    launcher.focus();
  }

  launcher.addEventListener('click', () => (panel.hidden ? openPanel() : closePanel()));
  closer.addEventListener('click', closePanel);
  root.addEventListener('keydown', (ev) => {
    if ((ev.key === 'Escape' || ev.key === 'Esc') && !panel.hidden) {
      ev.preventDefault();
      closePanel();
    } else if (ev.key === 'Tab' && !panel.hidden && fullScreen.matches) trapTab(ev);
  });
  restart.addEventListener('click', () => {
    generation += 1;
    queue = Promise.resolve(); // a late answer of the old conversation is dropped, not awaited
    typing.hidden = true;
    history = [];
    store.del('history');
    store.del('saved');
    sender = newSender();
    store.set('sender', sender);
    Array.from(log.children).forEach((el) => { if (el !== typing) el.remove(); });
    input.value = '';
    input.focus();
    greet();
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    const ok = await send(text, text);
    if (!ok && !input.value) input.value = text; // keep what the patient typed
  });

  history.forEach((item) => log.insertBefore(view(item), typing));

  function mount() {
    document.body.append(root);
    const href = cfg.css || new URL('toh-chat.css', script.src || window.location.href).href;
    const css = h('link', { rel: 'stylesheet', href });
    const show = () => { root.hidden = false; };
    css.addEventListener('load', show);
    css.addEventListener('error', show); // unstyled but usable beats invisible
    document.head.append(css);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
