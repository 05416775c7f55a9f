// The chat page: one pane per user, each on its own socket to the local gateway with its own
// token. The address's #fragment (never sent to a server) carries the conversation and the
// tokens; the page drops it from the address bar once read. Every piece of user text reaches
// the page through textContent, never as HTML.
'use strict';

(function () {
  var WEBSOCKET = document.querySelector('meta[name="tctfmsg-websocket"]').content;
  var TYPING_EVERY_MS = 2000;
  var TYPING_SHOWN_MS = 3500;
  var RECONNECTS = 5;

  var params = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, '', location.pathname);
  var conversation = params.get('conversation');

  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function clock(iso) {
    var at = iso ? new Date(iso) : new Date();
    return at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function Pane(user, token) {
    var root = document.getElementById('pane').content.firstElementChild.cloneNode(true);
    this.user = user;
    this.token = token;
    this.root = root;
    this.list = root.querySelector('.messages');
    this.status = root.querySelector('.status');
    this.typing = root.querySelector('.typing');
    this.input = root.querySelector('.text');
    this.bySeq = new Map();
    this.pending = new Map();
    this.lastSeq = 0;
    this.readSent = 0;
    this.typingSent = 0;
    this.typingTimer = null;
    this.failures = 0;
    root.dataset.user = user;
    root.querySelector('.user').textContent = user;
    root.querySelector('.avatar').textContent = user.charAt(0).toUpperCase();
    root.querySelector('.composer').addEventListener('submit', this.submit.bind(this));
    this.input.addEventListener('input', this.typed.bind(this));
    document.getElementById('panes').appendChild(root);
    this.connect();
  }

  Pane.prototype.state = function (state, text) {
    this.root.dataset.state = state;
    this.status.textContent = text || state;
  };

  Pane.prototype.connect = function () {
    var pane = this;
    var socket = new WebSocket(WEBSOCKET + '?token=' + encodeURIComponent(this.token));
    this.socket = socket;
    this.state('connecting');
    socket.onopen = function () {
      pane.failures = 0;
      pane.state('online');
      pane.ask({ action: 'sync', conversation_id: conversation, after_seq: pane.lastSeq });
    };
    socket.onmessage = function (event) { pane.received(event.data); };
    socket.onclose = function (event) {
      if (pane.socket !== socket) return;
      pane.failures += 1;
      if (pane.failures > RECONNECTS) {
        pane.state('offline', 'offline: reopen the page from `tctfmsg chat page`');
        return;
      }
      pane.state('offline', 'offline (' + event.code + '), reconnecting');
      setTimeout(pane.connect.bind(pane), 500 * Math.pow(2, pane.failures));
    };
  };

  Pane.prototype.ask = function (frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  };

  Pane.prototype.submit = function (event) {
    event.preventDefault();
    var text = this.input.value;
    if (!text.trim()) return;
    var id = newId();
    var item = this.item(this.user, text, null);
    item.classList.add('mine');
    this.mark(item, 'pending', 'sending');
    this.list.appendChild(item);
    this.pending.set(id, item);
    this.scroll();
    var frame = { action: 'send', conversation_id: conversation, text: text,
                  client_msg_id: id, request_id: id };
    if (this.ask(frame)) {
      this.input.value = '';
    } else {
      this.mark(item, 'failed', 'not sent: offline');
      this.pending.delete(id);
    }
  };

  Pane.prototype.typed = function () {
    var now = Date.now();
    if (now - this.typingSent < TYPING_EVERY_MS) return;
    if (this.ask({ action: 'typing', conversation_id: conversation })) this.typingSent = now;
  };

  Pane.prototype.received = function (data) {
    var frame;
    try { frame = JSON.parse(data); } catch (e) { return; }
    if (!frame || typeof frame !== 'object') return;
    if (frame.conversation_id !== undefined && frame.conversation_id !== conversation) return;
    switch (frame.type) {
      case 'ack': return this.acked(frame);
      case 'message': return this.arrived(frame);
      case 'messages': return this.synced(frame);
      case 'receipt': return this.receipt(frame);
      case 'typing': return this.someoneTyping(frame);
      case 'error': return this.refused(frame);
    }
  };

  Pane.prototype.acked = function (frame) {
    var item = this.pending.get(frame.client_msg_id);
    if (!item) return;
    this.pending.delete(frame.client_msg_id);
    if (this.bySeq.has(frame.seq)) {  // the sync already brought it
      item.remove();
      return;
    }
    this.mark(item, 'acked', 'sent');
    this.place(item, frame.seq);
  };

  Pane.prototype.arrived = function (message) {
    if (message.seq > this.lastSeq + 1) {  // a gap: sync is authoritative
      this.ask({ action: 'sync', conversation_id: conversation, after_seq: this.lastSeq });
    }
    this.show(message);
    this.clearTyping();
    this.read();
  };

  Pane.prototype.synced = function (page) {
    (page.messages || []).forEach(this.show, this);
    if (page.next_after_seq !== null && page.next_after_seq !== undefined) {
      this.ask({ action: 'sync', conversation_id: conversation, after_seq: page.next_after_seq });
      return;
    }
    this.root.dataset.synced = 'true';
    this.read();
  };

  Pane.prototype.show = function (message) {
    if (typeof message.seq !== 'number' || this.bySeq.has(message.seq)) return;
    var mine = message.sender === this.user;
    var item = this.item(String(message.sender), String(message.text), message.sent_at);
    item.classList.add(mine ? 'mine' : 'theirs');
    this.mark(item, mine ? 'acked' : 'received', mine ? 'sent' : '');
    this.place(item, message.seq);
  };

  Pane.prototype.item = function (sender, text, sentAt) {
    var item = element('li', 'message');
    item.appendChild(element('span', 'sender', sender));
    item.appendChild(element('p', 'body', text));
    var meta = element('span', 'meta');
    meta.appendChild(element('time', 'at', clock(sentAt)));
    meta.appendChild(element('span', 'tick'));
    item.appendChild(meta);
    return item;
  };

  Pane.prototype.mark = function (item, state, text) {
    item.dataset.state = state;
    item.querySelector('.tick').textContent = text;
  };

  Pane.prototype.place = function (item, seq) {
    item.dataset.seq = String(seq);
    this.bySeq.set(seq, item);
    this.lastSeq = Math.max(this.lastSeq, seq);
    var next = null;
    this.bySeq.forEach(function (other, otherSeq) {
      if (otherSeq > seq && (next === null || otherSeq < Number(next.dataset.seq))) next = other;
    });
    this.list.insertBefore(item, next || this.firstPending());
    this.scroll();
  };

  Pane.prototype.firstPending = function () {
    return this.list.querySelector('.message[data-state="pending"]');
  };

  Pane.prototype.read = function () {
    if (this.lastSeq <= this.readSent) return;
    if (this.ask({ action: 'read', conversation_id: conversation, seq: this.lastSeq })) {
      this.readSent = this.lastSeq;
    }
  };

  Pane.prototype.receipt = function (frame) {
    if (frame.user === this.user) return;
    var pane = this;
    this.bySeq.forEach(function (item, seq) {
      if (seq <= frame.seq && item.classList.contains('mine')) pane.mark(item, 'read', 'read');
    });
  };

  Pane.prototype.someoneTyping = function (frame) {
    if (frame.user === this.user) return;
    this.typing.textContent = String(frame.user) + ' is typing…';
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(this.clearTyping.bind(this), TYPING_SHOWN_MS);
  };

  Pane.prototype.clearTyping = function () {
    clearTimeout(this.typingTimer);
    this.typing.textContent = '';
  };

  Pane.prototype.refused = function (frame) {
    var item = this.pending.get(frame.request_id);
    if (item) {
      this.pending.delete(frame.request_id);
      this.mark(item, 'failed', 'not sent: ' + String(frame.message));
      return;
    }
    this.state(this.root.dataset.state, String(frame.code) + ': ' + String(frame.message));
  };

  Pane.prototype.scroll = function () {
    this.list.scrollTop = this.list.scrollHeight;
  };

  (function start() {
    var users = params.getAll('user');
    var tokens = params.getAll('token');
    if (!conversation || users.length === 0 || users.length !== tokens.length) {
      document.getElementById('notice').hidden = false;
      return;
    }
    var title = params.get('title');
    document.getElementById('conversation').textContent = title ? title : users.join(' & ');
    document.title = 'tctfmsg chat: ' + users.join(' & ');
    users.forEach(function (user, i) { new Pane(user, tokens[i]); });
  })();
})();
