// The tablet form's queue: every change goes to IndexedDB first, then to the server, and leaves
// the queue only when the server acknowledged it (or the user discards a refused change). iPad
// Safari has no Background Sync: we send on load, on `online`, on a backoff timer and on "Send
// now", one change at a time in order (photos in a lane of their own, not to hold up answers).
(function () {
  "use strict";

  function uuid() { // randomUUID is missing before Safari 15.4
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var x = Array.prototype.map.call(b, function (n) { return (n + 256).toString(16).slice(1); }).join("");
    return [x.slice(0, 8), x.slice(8, 12), x.slice(12, 16), x.slice(16, 20), x.slice(20)].join("-");
  }

  // -- storage: IndexedDB
  // (or memory, where a private mode has none: the form works but a reload forgets)

  var KEYS = { queue: "seq", mirror: "key", blobs: "id" };

  function Idb(db) { this.db = db; this.persistent = true; }
  Idb.prototype.op = function (name, write, fn) {
    var db = this.db;
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(name, write ? "readwrite" : "readonly");
      var r = fn(tx.objectStore(name));
      tx.oncomplete = function () { resolve(r.result); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  };
  Idb.prototype.get = function (n, k) { return this.op(n, 0, function (s) { return s.get(k); }); };
  Idb.prototype.put = function (n, v) { return this.op(n, 1, function (s) { return s.put(v); }); };
  Idb.prototype.del = function (n, k) { return this.op(n, 1, function (s) { return s.delete(k); }); };
  Idb.prototype.all = function (n) { return this.op(n, 0, function (s) { return s.getAll(); }); };

  function Memory() { this.d = { queue: {}, mirror: {}, blobs: {} }; this.seq = 0; }
  Memory.prototype.get = function (n, k) { return Promise.resolve(this.d[n][k]); };
  Memory.prototype.put = function (n, v) {
    if (n === "queue" && v.seq == null) v.seq = ++this.seq;
    this.d[n][v[KEYS[n]]] = v;
    return Promise.resolve(v[KEYS[n]]);
  };
  Memory.prototype.del = function (n, k) { delete this.d[n][k]; return Promise.resolve(); };
  Memory.prototype.all = function (n) {
    var d = this.d[n];
    return Promise.resolve(Object.keys(d).map(function (k) { return d[k]; }));
  };

  function open() {
    return new Promise(function (resolve) {
      var fallback = function () { resolve(new Memory()); };
      try {
        var r = indexedDB.open("inspect-form", 1);
        r.onupgradeneeded = function () {
          Object.keys(KEYS).forEach(function (n) {
            r.result.createObjectStore(n, { keyPath: KEYS[n], autoIncrement: n === "queue" });
          });
        };
        r.onsuccess = function () { resolve(new Idb(r.result)); };
        r.onerror = r.onblocked = fallback;
      } catch (e) { fallback(); }
    });
  }

  // -- what a response means

  function classify(status, body) {
    var e = (body && body.error) || {};
    var o = { status: status, body: body, code: e.code || "", message: e.message || "", fields: e.fields || {}, current: e.current };
    if (status >= 200 && status < 300) o.kind = "ok";
    else if (status === 401) o.kind = "auth";
    else if (e.code === "csrf_failed") o.kind = "csrf";
    else if (e.code === "inspection_submitted") o.kind = "submitted";
    else if (e.code === "stale_version") o.kind = "conflict";
    else if (status === 408 || status === 429 || status >= 500 || (!body && status !== 413)) o.kind = "transient";
    else o.kind = "failed"; // a 4xx that will never succeed: shown to the user, kept till discarded
    return o;
  }

  // -- the queue

  function Queue(o) {
    for (var k in o) this[k] = o[k]; // store, user, inspection, token, csrfUrl, send, ready, onChange
    this.entries = [];
    this.inflight = {};
    this.running = {};
    this.mode = "idle"; // idle | sending | offline | unreachable | auth | submitted
    this.delay = 0;
  }
  var Q = Queue.prototype;

  Q.load = function () {
    var self = this;
    return this.store.all("queue").then(function (rows) {
      self.entries = rows.filter(function (e) { return e.user === self.user; })
        .sort(function (a, b) { return a.seq - b.seq; });
      self.changed();
    });
  };
  Q.mine = function () {
    var i = this.inspection;
    return this.entries.filter(function (e) { return e.insp === i; });
  };
  Q.find = function (seq) {
    return this.entries.filter(function (e) { return String(e.seq) === String(seq); })[0];
  };
  Q.isIdle = function (e) { return !this.inflight[e.seq] && !e.tries; };

  // With `coalesce`, an unsent earlier entry with the same key is replaced: an answer changed
  // twice offline goes out once, with its last value.
  Q.add = function (e) {
    var self = this;
    e.user = this.user;
    e.insp = this.inspection;
    e.at = e.at || new Date().toISOString();
    e.tries = 0;
    e.status = "pending";
    // A refused one ("failed") is replaced too: the new value is the user's fix.
    var old = e.coalesce ? this.entries.filter(function (x) {
      return x.insp === e.insp && x.key === e.key && !self.inflight[x.seq] &&
        (x.status === "pending" || x.status === "failed");
    }) : [];
    return this.store.put("queue", e).then(function (seq) {
      e.seq = seq;
      self.entries.push(e);
      return Promise.all(old.map(function (x) { return self.remove(x, 1); }));
    }).then(function () { self.changed(); self.kick(); return e; }, function (err) {
      self.onError(err); // storage full, or taken away: the user must know at once
      throw err;
    });
  };
  Q.save = function (e) {
    var self = this;
    return this.store.put("queue", e).then(function () { self.changed(); });
  };
  Q.remove = function (e, quiet) {
    var self = this;
    this.entries = this.entries.filter(function (x) { return x !== e; });
    return this.store.del("queue", e.seq).then(function () {
      return e.blob && self.store.del("blobs", e.blob);
    }).then(function () { if (!quiet) self.changed(); });
  };

  // Photos are kept as ArrayBuffers: older Safari cannot store Blobs in IndexedDB.
  Q.putBlob = function (id, blob) {
    var store = this.store;
    var read = blob.arrayBuffer ? blob.arrayBuffer() : new Response(blob).arrayBuffer();
    return read.then(function (data) { return store.put("blobs", { id: id, type: blob.type || "image/jpeg", data: data }); });
  };
  Q.getBlob = function (id) {
    return this.store.get("blobs", id).then(function (r) { return r && new Blob([r.data], { type: r.type }); });
  };

  Q.summary = function () {
    var self = this;
    var s = { pending: 0, failed: 0, conflict: 0, blocked: 0, mode: this.mode };
    this.mine().forEach(function (e) {
      if (e.status !== "pending") s[e.status]++;
      else {
        s.pending++;
        if (self.blocked(e) || !self.ready(e)) s.blocked++;
      }
    });
    return s;
  };
  Q.changed = function () { this.onChange(this.summary()); };

  // A change waits while an earlier change to the same record was refused or conflicts.
  Q.blocked = function (e) {
    return this.entries.some(function (x) {
      return x.seq < e.seq && x.insp === e.insp && e.ref && x.ref === e.ref && x.status !== "pending";
    });
  };
  Q.next = function (lane) {
    var self = this;
    return this.mine().filter(function (e) {
      return e.status === "pending" && (e.lane || "main") === lane && !self.inflight[e.seq] &&
        !self.blocked(e) && self.ready(e);
    })[0];
  };

  Q.stopped = function () { return this.mode === "auth" || this.mode === "submitted"; };
  Q.kick = function () {
    var self = this;
    if (this.stopped() || (this.mode === "offline" && navigator.onLine === false)) return;
    clearTimeout(this.kickTimer);
    this.kickTimer = setTimeout(function () { self.flush(); }, 30);
  };

  // Send what can go now; `force` (Send now) also tries while the device says it is offline.
  Q.flush = function (force) {
    if (force && this.mode === "auth") return this.checkAuth();
    if (force && this.mode !== "submitted") { this.mode = "idle"; this.delay = 0; }
    if (this.stopped()) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (!force && navigator.onLine === false && !this.running.main && !this.running.photo) {
      // The device knows it has no network: keep everything and wait for the "online" event
      // (and look again now and then, in case the event never comes).
      this.mode = "offline";
      this.changed();
      return this.schedule();
    }
    this.lane("main");
    this.lane("photo");
  };

  Q.lane = function (lane) {
    var self = this;
    if (this.running[lane] || this.stopped()) return;
    var e = this.next(lane);
    if (!e) return this.settle();
    this.running[lane] = this.inflight[e.seq] = true;
    if (this.mode === "idle") this.mode = "sending";
    e.tries = (e.tries || 0) + 1;
    this.changed();
    var retried = false;
    var attempt = function () {
      return Promise.resolve().then(function () { return self.send(e); }).catch(function (err) {
        return { kind: "failed", status: 0, message: String(err) };
      }).then(function (o) {
        if (o.kind !== "csrf" || retried) return o;
        retried = true; // the session has a new token (signed in again elsewhere): fetch it
        return self.refreshToken().then(function (ok) { return ok ? attempt() : { kind: "auth" }; });
      });
    };
    attempt().then(function (o) {
      delete self.inflight[e.seq];
      self.running[lane] = false;
      self.handle(e, o, lane);
    });
  };

  Q.handle = function (e, o, lane) {
    var self = this;
    var k = o.kind;
    if (k === "ok") {
      this.delay = 0;
      if (!this.stopped()) this.mode = "sending";
      return this.remove(e).then(function () { self.lane("main"); self.lane("photo"); });
    }
    if (k === "network" || k === "transient") {
      this.mode = k === "network" ? "offline" : "unreachable";
      this.schedule();
    } else if (k === "auth" || k === "csrf") {
      // Keep everything; look every 15 s (and on focus) whether the user signed in again.
      this.mode = "auth";
      clearInterval(this.authTimer);
      this.authTimer = setInterval(function () { self.checkAuth(); }, 15000);
    } else if (k === "submitted") {
      this.mode = "submitted";
    } else {
      e.status = k === "conflict" ? "conflict" : "failed";
      e.error = { status: o.status, code: o.code, message: o.message, fields: o.fields || {}, current: o.current || null };
      return this.save(e).then(function () { self.lane(lane); });
    }
    this.changed();
  };

  Q.settle = function () {
    if (this.running.main || this.running.photo) return;
    if (this.mode === "sending") this.mode = "idle";
    var s = this.summary();
    if (s.pending > s.blocked && !this.stopped()) this.schedule();
    this.changed();
  };

  // Retry with backoff while changes remain: 2 s, 4 s, 8 s … at most a minute apart.
  Q.schedule = function () {
    var self = this;
    if (this.timer) return;
    this.delay = Math.min(this.delay ? this.delay * 2 : 2000, 60000);
    this.timer = setTimeout(function () {
      self.timer = null;
      if (self.mode === "offline" && navigator.onLine === false) self.schedule();
      else self.flush();
    }, this.delay);
  };

  Q.online = function () {
    if (this.mode === "auth") return this.checkAuth();
    if (this.mode === "offline" || this.mode === "unreachable") this.mode = "idle";
    this.delay = 0;
    this.flush();
  };

  Q.checkAuth = function () {
    var self = this;
    return this.refreshToken().then(function (ok) {
      if (!ok || self.mode !== "auth") return;
      clearInterval(self.authTimer);
      self.mode = "idle";
      self.flush();
    });
  };

  Q.refreshToken = function () {
    var self = this;
    return fetch(this.csrfUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok && r.json().then(function (b) { self.token = b.token; return true; }); })
      .catch(function () { return false; });
  };

  // -- HTTP

  Q.request = function (method, url, body) {
    var abort = window.AbortController && new AbortController();
    var timer = setTimeout(function () { if (abort) abort.abort(); }, 30000);
    var headers = { Accept: "application/json", "X-CSRFToken": this.token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin", cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body), signal: abort ? abort.signal : undefined,
    }).then(function (r) {
      clearTimeout(timer);
      return (r.status === 204 ? Promise.resolve({}) : r.json().catch(function () { return null; }))
        .then(function (data) { return classify(r.status, data); });
    }, function () {
      clearTimeout(timer);
      return { kind: "network", status: 0 };
    });
  };

  // A multipart upload through XMLHttpRequest, for its upload progress events.
  Q.upload = function (url, form, progress) {
    var token = this.token;
    return new Promise(function (resolve) {
      var x = new XMLHttpRequest();
      x.open("POST", url);
      x.setRequestHeader("Accept", "application/json");
      x.setRequestHeader("X-CSRFToken", token);
      x.timeout = 300000;
      x.upload.onprogress = function (ev) { if (ev.lengthComputable) progress(ev.loaded / ev.total); };
      x.onload = function () {
        var data = null;
        try { data = JSON.parse(x.responseText); } catch (e) { /* not JSON: a proxy's page */ }
        resolve(classify(x.status, data));
      };
      x.onerror = x.ontimeout = x.onabort = function () { resolve({ kind: "network", status: 0 }); };
      x.send(form);
    });
  };

  // -- mirror
  // What this device last knew of each record (answers, good points, findings), so that a
  // reload without network, from an older kept copy of the page, still shows it.

  Q.mirror = function (key, value) {
    key = this.inspection + ":" + key;
    if (value === null) return this.store.del("mirror", key);
    value.key = key;
    return this.store.put("mirror", value);
  };
  Q.mirrored = function () {
    var prefix = this.inspection + ":";
    return this.store.all("mirror").then(function (rows) {
      var out = {};
      rows.forEach(function (r) { if (r.key.indexOf(prefix) === 0) out[r.key.slice(prefix.length)] = r; });
      return out;
    });
  };

  window.OfflineQueue = { open: open, Queue: Queue, uuid: uuid };
})();
