// PAK POS Online — applications kept on the phone while there is no signal,
// sent when it returns (at once on the `online` event, by Background Sync
// where the browser has it, otherwise when a page opens). Loaded by the
// citizens' pages and by sw.js. Each kept form carries its own
// idempotency key (the form's `kunci`), so sending it twice — from a page
// and from Background Sync, or after an answer lost with the signal —
// makes one application. Its answers go once they reached the server.
var PakposAntrian = (function () {
  'use strict';
  var DB = 'pakpos-antrian', STORE = 'kiriman', TAG = 'kirim-permohonan';

  function store(mode, use) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE, { keyPath: 'kunci' }); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result, t = db.transaction(STORE, mode), req = use(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(req && req.result); };
        t.onerror = function () { db.close(); reject(t.error); };
      };
    });
  }
  function put(item) { return store('readwrite', function (s) { return s.put(item); }); }
  function all() { return store('readonly', function (s) { return s.getAll(); }); }
  function remove(kunci) { return store('readwrite', function (s) { return s.delete(kunci); }); }

  // One waiting form to the server. Its number ends it; an answer that
  // asks for corrections keeps the answers for the citizen to fix; no
  // signal, a limit or a server fault leaves it waiting.
  function send(item) {
    return fetch(item.url, {
      method: 'POST', body: item.body, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
    }).then(function (r) {
      var done = /\/ajukan\/selesai\/([0-9A-Z]{4}-[0-9A-Z]{5})$/.exec(new URL(r.url).pathname);
      if (done) {
        item.state = 'terkirim';
        item.nomor = done[1];
        item.body = '';
      } else if (r.status === 422) {
        item.state = 'perbaiki';
      } else {
        return;
      }
      return put(item);
    }, function () {});
  }

  var running = null;
  function flush() {
    if (!running) {
      running = all().then(function (items) {
        return items.filter(function (i) { return i.state === 'menunggu'; })
          .reduce(function (p, i) { return p.then(function () { return send(i); }); }, Promise.resolve());
      }).then(function () { running = null; }, function () { running = null; });
    }
    return running;
  }

  return { TAG: TAG, put: put, all: all, remove: remove, flush: flush };
})();

if (typeof document !== 'undefined') (function () {
  'use strict';
  var A = PakposAntrian;
  if (!window.indexedDB) return;
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(function () {});

  var box = document.createElement('div');
  box.id = 'antrian';
  box.setAttribute('role', 'status');
  box.hidden = true;
  var main = document.querySelector('main');
  if (main) main.insertBefore(box, main.firstChild);

  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }

  // What became of each kept form, in words.
  function render() {
    return A.all().then(function (items) {
      box.textContent = '';
      items.forEach(function (i) {
        var p = el('div', '', 'callout antrian-' + i.state);
        if (i.state === 'menunggu') {
          p.appendChild(el('strong', 'Menunggu sinyal. '));
          p.appendChild(document.createTextNode('Permohonan Anda tersimpan di ponsel ini dan dikirim otomatis begitu ada sinyal. Biarkan halaman ini atau buka lagi PAK POS nanti.'));
        } else if (i.state === 'terkirim') {
          p.appendChild(el('strong', 'Terkirim. '));
          p.appendChild(document.createTextNode('Nomor pendaftaran Anda: '));
          p.appendChild(el('strong', i.nomor, 'nomor-antrian'));
          p.appendChild(document.createTextNode(' — simpan nomor ini. '));
          var done = el('button', 'Sudah dicatat', 'secondary');
          done.type = 'button';
          done.onclick = function () { A.remove(i.kunci).then(render); };
          p.appendChild(done);
        } else {
          p.appendChild(el('strong', 'Belum terdaftar. '));
          p.appendChild(document.createTextNode('Permohonan yang tersimpan perlu diperbaiki dulu. '));
          var fix = el('button', 'Buka isian', 'secondary');
          fix.type = 'button';
          fix.onclick = function () { reopen(i); };
          p.appendChild(fix);
        }
        box.appendChild(p);
      });
      box.hidden = !items.length;
    }).catch(function () {});
  }

  // The kept answers, posted as a form again (the server shows what to fix).
  function reopen(item) {
    var f = el('form');
    f.method = 'post';
    f.action = item.url;
    new URLSearchParams(item.body).forEach(function (v, k) {
      var input = el('input');
      input.type = 'hidden';
      input.name = k;
      input.value = k === 'langkah' ? 'periksa' : v;
      f.appendChild(input);
    });
    document.body.appendChild(f);
    A.remove(item.kunci).then(function () { f.submit(); });
  }

  function flush() { return A.flush().then(render); }

  // Without signal, "Kirim" keeps the form on the phone instead of failing.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (navigator.onLine || (form.id !== 'ajukan' && form.id !== 'kirim') || form.method !== 'post') return;
    e.preventDefault();
    e.stopPropagation();
    var data = new URLSearchParams(new FormData(form));
    data.set('langkah', 'kirim');
    var kunci = data.get('kunci');
    A.put({ kunci: kunci, url: form.action, body: data.toString(), state: 'menunggu', saved: Date.now() }).then(function () {
      if (navigator.serviceWorker && window.SyncManager) {
        navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register(A.TAG); }).catch(function () {});
      }
      return render();
    }).then(function () { box.scrollIntoView(); });
  }, true);

  window.addEventListener('online', flush);
  if (navigator.serviceWorker) navigator.serviceWorker.addEventListener('message', render);
  if (navigator.onLine) flush(); else render();
})();
